/**
 * The SMP server never breaks on bad input: random packets and random
 * well-formed headers with random bodies always end in no answer or one
 * well-formed answer per request (rc, err map or a body), never an
 * exception; and a disposed device leaves no timer behind.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, encodeHeader, os } from '../../src/core/smp/index.ts';
import { deviceProfile, SimulatedDevice, type SmpServer } from '../../src/sim/index.ts';
import { InOrder } from '../../src/sim/wire.ts';
import { bleClient, bootedDevice, makeImage, settle, useVirtualTime } from '../helpers/sim.ts';

function serverOf(): SmpServer {
  const device = new SimulatedDevice({ ...deviceProfile('nrf52840-ble', []), slotSize: 0x10000 });
  device.startApp();
  return device.server;
}

async function answersTo(server: SmpServer, packet: Uint8Array): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  await server.handlePacket(
    packet,
    () => 'serve',
    ({ answer }) => {
      out.push(answer);
      return Promise.resolve();
    },
  );
  return out;
}

describe('SMP server robustness', () => {
  it('random packets: no exception; every answer is a well-formed response frame', async () => {
    const server = serverOf();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (packet) => {
        for (const answer of await answersTo(server, packet)) {
          const frame = decodeFrame(answer);
          expect([1, 3]).toContain(frame.header.op);
          expect(answer.length).toBeLessThanOrEqual(server.bufSize);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('well-formed headers for every group and command with random bodies', async () => {
    const server = serverOf();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          op: fc.constantFrom(0, 2),
          version: fc.constantFrom(0, 1),
          group: fc.constantFrom(0, 1, 2, 63, 64),
          command: fc.integer({ min: 0, max: 8 }),
          seq: fc.nat(255),
        }),
        fc.uint8Array({ maxLength: 300 }),
        async (h, body) => {
          const head = encodeHeader({ ...h, flags: 0, length: body.length });
          const packet = new Uint8Array(head.length + body.length);
          packet.set(head);
          packet.set(body, head.length);
          const answers = await answersTo(server, packet);
          expect(answers).toHaveLength(1);
          const frame = decodeFrame(answers[0]!);
          expect(frame.header).toMatchObject({
            op: h.op + 1,
            group: h.group,
            command: h.command,
            seq: h.seq,
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('in-order delivery', () => {
  it('runs deliveries in the order scheduled even when their timers fire out of order (browser clamping)', () => {
    const fired: (() => void)[] = [];
    const order = new InOrder({ at: (_time, fn) => fired.push(fn) });
    const got: number[] = [];
    for (let i = 0; i < 5; i++) order.at(i, () => got.push(i));
    for (const fn of fired.reverse()) fn();
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('timers', () => {
  beforeEach(useVirtualTime);
  afterEach(() => vi.useRealTimers());

  it('a disposed device and closed client leave no timer behind', async () => {
    const device = await bootedDevice(
      { ...deviceProfile('nrf52840-ble', []), slotSize: 0x10000 },
      await makeImage(null, '1.0.0', 1000),
    );
    device.faults.add({ kind: 'disconnect', afterMs: 60_000 });
    const client = await bleClient(device);
    expect(await settle(client.request(os.echo('x')))).toBe('x');
    await client.close();
    device.dispose();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
