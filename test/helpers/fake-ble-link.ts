/**
 * A Bluetooth-like link for client tests: frames go out as writes of the
 * current write size; writes larger than the (hidden) MTU payload are lost
 * silently, and a frame split over several writes only arrives when the device
 * reassembles — as real devices behave (research/protocols.md §3).
 */
import { createMemoryPair } from '../../src/transport/memory.ts';
import type { SendOptions, Transport, WriteSizeTunable } from '../../src/transport/types.ts';

export function fakeBleLink(options: { mtuPayload: number; reassembly: boolean }): {
  host: Transport & WriteSizeTunable;
  device: Transport;
} {
  const { host, device } = createMemoryPair();
  let writeSize = 20;
  const tunable: Transport & WriteSizeTunable = {
    kind: 'bluetooth',
    frameOverhead: 0,
    get writeSize() {
      return writeSize;
    },
    writeSizeCandidates: [512, 244, 182, 100],
    setWriteSize: (size) => {
      writeSize = size;
    },
    frames: host.frames,
    closed: host.closed,
    close: () => host.close(),
    send: (frame: Uint8Array, sendOptions?: SendOptions) => {
      const writes = Math.ceil(frame.length / writeSize);
      const lost = writeSize > options.mtuPayload && frame.length > options.mtuPayload;
      if (lost || (writes > 1 && !options.reassembly)) return Promise.resolve(); // silently gone
      return host.send(frame, sendOptions);
    },
  };
  return { host: tunable, device };
}
