/**
 * A scripted device end for client tests: decodes each request frame and lets
 * the test decide the answer frames (or silence).
 */
import {
  decodeFrame,
  encodeFrame,
  responseOp,
  type CborMap,
  type SmpFrame,
} from '../../src/core/smp/index.ts';
import type { Transport } from '../../src/transport/types.ts';

export type Handler = (request: SmpFrame) => Uint8Array[] | Promise<Uint8Array[]>;

/** The answer frame to `request` with `body` (same group, command, seq; response op). */
export function answer(
  request: SmpFrame,
  body: CborMap,
  overrides: Partial<{ seq: number; group: number; command: number; version: number }> = {},
): Uint8Array {
  const h = request.header;
  return encodeFrame(
    {
      op: responseOp(h.op),
      version: overrides.version ?? h.version,
      flags: 0,
      group: overrides.group ?? h.group,
      seq: overrides.seq ?? h.seq,
      command: overrides.command ?? h.command,
    },
    body,
  );
}

export function respond(device: Transport, handler: Handler): { requests: SmpFrame[] } {
  const requests: SmpFrame[] = [];
  void (async () => {
    const reader = device.frames.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const request = decodeFrame(value);
      requests.push(request);
      for (const frame of await handler(request)) await device.send(frame).catch(() => undefined);
    }
  })();
  return { requests };
}

/** A device that answers echo with the text, and everything else with {}. */
export const echoDevice: Handler = (req) => [
  answer(req, req.header.command === 0 && req.header.group === 0 ? { r: req.body['d'] ?? '' } : {}),
];
