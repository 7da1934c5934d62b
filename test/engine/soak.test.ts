/**
 * Fault soak, in virtual time: random schedules of link faults, disconnects,
 * power cuts, busy and late answers during a whole update over Bluetooth.
 * Every run must end either with the new image running and confirmed, or
 * with a typed error and the device bootable on a valid image. (The benchmark
 * run does many more schedules; this is the CI share.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmpClient } from '../../src/client/smp-client.ts';
import { FieldflashError } from '../../src/core/errors.ts';
import { verifyImage } from '../../src/core/image/index.ts';
import { image as img } from '../../src/core/smp/index.ts';
import { runUpdate } from '../../src/engine/update.ts';
import { deviceProfile, seededRandom, type Fault } from '../../src/sim/index.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { subtle } from '../helpers/crypto.ts';
import { testKey } from '../helpers/keys.ts';
import { bootedDevice, makeImage, settle, useVirtualTime } from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

const SCHEDULES = Number(process.env['FIELDFLASH_SOAK'] ?? 300);
const key = testKey('ed25519');

function schedule(seed: number, size: number): Fault[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const faults: Fault[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const atByte = Math.floor(r() * size);
    const nth = 1 + Math.floor(r() * 60);
    faults.push(
      pick<Fault>([
        { kind: 'drop', direction: pick(['to-device', 'to-host'] as const), nth },
        { kind: 'duplicate', direction: 'to-device', nth },
        { kind: 'corrupt', direction: pick(['to-device', 'to-host'] as const), nth },
        { kind: 'disconnect', atByte },
        { kind: 'power-loss', atByte, tear: r() < 0.5, offMs: 500 + Math.floor(r() * 3000) },
        { kind: 'busy', match: { group: 1, command: 1 }, count: 1 + Math.floor(r() * 3) },
        {
          kind: 'late',
          match: { group: 1, command: 1 },
          delayMs: 1000 + Math.floor(r() * 8000),
          count: 1,
        },
      ]),
    );
  }
  return faults;
}

describe('fault soak', () => {
  it(`${SCHEDULES} random fault schedules: updated, or a typed error and a bootable device`, async () => {
    const v1 = await makeImage(key.private, '1.0.0', 8000, 1);
    const v2 = await makeImage(key.private, '2.0.0', 40_000, 2);
    const verdict = await verifyImage(v2, [key.trusted], { subtle });
    if (!verdict.ok) throw new Error(verdict.detail);
    const tally: Record<string, number> = {};
    for (let seed = 1; seed <= SCHEDULES; seed++) {
      const device = await bootedDevice(
        { ...deviceProfile('nrf52840-ble', [key.trusted]), slotSize: 0x20000, seed },
        v1,
      );
      const chosen = await requestSmpDevice(device.bluetooth());
      const connector = { connect: async () => new SmpClient(await connectSmpDevice(chosen!)) };
      const faults = schedule(seed, v2.length);
      for (const f of faults) device.faults.add(f);
      const outcome = await settle(
        runUpdate(
          connector,
          v2,
          { keys: [key.trusted], subtle },
          { reconnects: 8, swapTimeoutMs: 60_000 },
        ),
      ).catch((e: unknown) => e);
      const label =
        typeof outcome === 'string'
          ? outcome
          : outcome instanceof FieldflashError
            ? outcome.code
            : 'untyped';
      tally[label] = (tally[label] ?? 0) + 1;
      expect(label, `seed ${seed}: ${JSON.stringify(faults)} → ${String(outcome)}`).not.toBe(
        'untyped',
      );
      // Whatever happened, the device must come back on a valid image (faults not yet used are disarmed).
      device.faults.clear();
      if (device.state === 'off') await settle(device.powerOn());
      await settle(new Promise((r) => setTimeout(r, 5000)));
      expect(device.state, `seed ${seed}`).toBe('running');
      const client = await settle(connector.connect());
      const list = await settle(client.request(img.imageState(), { timeoutMs: 30_000 })).catch(
        (e: unknown) => {
          throw new Error(
            `seed ${seed}: ${JSON.stringify(faults)} → ${String(outcome)}; after: ${String(e)}; ${JSON.stringify(device.events.slice(-4))}`,
          );
        },
      );
      const active = list.images.find((s) => s.active);
      await client.close();
      expect(['1.0.0', '2.0.0'], `seed ${seed}`).toContain(active?.version);
      if (outcome === 'updated')
        expect(active).toMatchObject({ version: '2.0.0', confirmed: true });
      device.dispose();
    }
    console.log(`fault soak, ${SCHEDULES} schedules: ${JSON.stringify(tally)}`);
  }, 300_000);
});
