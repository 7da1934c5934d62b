/**
 * An in-memory pair of transports, host end and device end, for tests and the
 * simulator. Frames are delivered asynchronously (a macrotask later), in order.
 * Either end closing closes the other as "device lost".
 * @module
 */
import { BaseTransport } from './base.ts';
import { TransportClosedError, type SendOptions, type Transport } from './types.ts';

export interface MemoryPairOptions {
  /** Frame bytes per simulated write (default 512). */
  readonly writeSize?: number;
}

class MemoryEnd extends BaseTransport implements Transport {
  readonly kind = 'memory';
  readonly frameOverhead = 0;
  peer: MemoryEnd | null = null;

  constructor(readonly writeSize: number) {
    super();
  }

  receive(frame: Uint8Array): void {
    this.deliver(frame);
  }

  send(frame: Uint8Array, options: SendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const reason = this.closeReason;
    if (reason) return Promise.reject(new TransportClosedError('memory', reason));
    const copy = Uint8Array.from(frame);
    const peer = this.peer;
    setTimeout(() => peer?.receive(copy), 0);
    return Promise.resolve();
  }

  lose(detail: string): void {
    this.shut({ kind: 'device-lost', detail });
  }

  close(): Promise<void> {
    if (this.shut({ kind: 'closed' })) this.peer?.lose('the other end closed');
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
