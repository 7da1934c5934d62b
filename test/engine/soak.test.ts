/**
 * Fault soak, in virtual time: random schedules of link faults, disconnects,
 * power cuts, busy and late answers during a whole update over Bluetooth.
 * Every run must end either with the new image running and confirmed, or
 * with a typed error and the device bootable on a valid image. (The upload
 * benchmark, `npm run bench:upload`, runs 10 000 schedules of the same
 * generator, test/helpers/fault-soak.ts; this is the CI share.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyImage } from '../../src/core/image/index.ts';
import { subtle } from '../helpers/crypto.ts';
import { soakImages, soakRun } from '../helpers/fault-soak.ts';
import { testKey } from '../helpers/keys.ts';
import { settle, useVirtualTime } from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

const SCHEDULES = Number(process.env['FIELDFLASH_SOAK'] ?? 300);
const key = testKey('ed25519');

describe('fault soak', () => {
  it(`${SCHEDULES} random fault schedules: updated, or a typed error and a bootable device`, async () => {
    const { v1, v2 } = await soakImages(key.private);
    const verdict = await verifyImage(v2, [key.trusted], { subtle });
    if (!verdict.ok) throw new Error(verdict.detail);
    const tally: Record<string, number> = {};
    for (let seed = 1; seed <= SCHEDULES; seed++) {
      const run = await soakRun(seed, { v1, v2, key: key.trusted, subtle, settle });
      const { label, faults, outcome } = run;
      tally[label] = (tally[label] ?? 0) + 1;
      expect(label, `seed ${seed}: ${JSON.stringify(faults)} → ${String(outcome)}`).not.toBe(
        'untyped',
      );
      // Whatever happened, the device must come back on a valid image.
      expect(run.stateAfter, `seed ${seed}`).toBe('running');
      if (run.afterError !== undefined) {
        throw new Error(
          `seed ${seed}: ${JSON.stringify(faults)} → ${String(outcome)}; after: ${String(run.afterError)}; ${JSON.stringify(run.lastEvents)}`,
        );
      }
      expect(['1.0.0', '2.0.0'], `seed ${seed}`).toContain(run.active?.version);
      if (outcome === 'updated')
        expect(run.active).toMatchObject({ version: '2.0.0', confirmed: true });
    }
    console.log(`fault soak, ${SCHEDULES} schedules: ${JSON.stringify(tally)}`);
  }, 300_000);
});
