/**
 * An in-memory pair of transports, host end and device end, for tests and the
 * simulator. Frames are delivered asynchronously (a macrotask later), in order.
 * Either end closing closes the other as "device lost".
 * @module
 */
import { Closer } from './closer.ts';
import { FrameQueue } from './frame-queue.ts';
import {
  TransportClosedError,
  type CloseReason,
  type SendOptions,
  type Transport,
} from './types.ts';

export interface MemoryPairOptions {
  /** Frame bytes per simulated write (default 512). */
  readonly writeSize?: number;
}

class MemoryEnd implements Transport {
  readonly kind = 'memory';
  readonly frameOverhead = 0;
  readonly writeSize: number;
  readonly #queue = new FrameQueue();
  readonly #closer = new Closer();
  peer: MemoryEnd | null = null;

  constructor(writeSize: number) {
    this.writeSize = writeSize;
  }

  get frames(): ReadableStream<Uint8Array> {
    return this.#queue.stream;
  }

  get closed(): Promise<CloseReason> {
    return this.#closer.closed;
  }

  deliver(frame: Uint8Array): void {
    this.#queue.push(frame);
  }

  send(frame: Uint8Array, options: SendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const reason = this.#closer.reason;
    if (reason) return Promise.reject(new TransportClosedError('memory', reason));
    const copy = Uint8Array.from(frame);
    const peer = this.peer;
    setTimeout(() => peer?.deliver(copy), 0);
    return Promise.resolve();
  }

  shut(reason: CloseReason): void {
    if (!this.#closer.close(reason)) return;
    this.#queue.end();
  }

  close(): Promise<void> {
    this.shut({ kind: 'closed' });
    this.peer?.shut({ kind: 'device-lost', detail: 'the other end closed' });
    return Promise.resolve();
  }
}

export function createMemoryPair(options: MemoryPairOptions = {}): {
  host: Transport;
  device: Transport;
} {
  const host = new MemoryEnd(options.writeSize ?? 512);
  const device = new MemoryEnd(options.writeSize ?? 512);
  host.peer = device;
  device.peer = host;
  return { host, device };
}
