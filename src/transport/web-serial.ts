/**
 * SMP over Web Serial, with core/smp's console framing. The host `SerialPort`
 * is passed in (app/ gets it from navigator.serial.requestPort). Reading
 * applies backpressure through the port's stream; a lost device ("The device
 * has been lost.") settles `closed` as device-lost.
 * @module
 */
import { encodeSerialFrame, SERIAL_FRAME_OVERHEAD, SerialDeframer } from '../core/smp/index.ts';
import { BaseTransport } from './base.ts';
import {
  TransportClosedError,
  type CloseReason,
  type SendOptions,
  type Transport,
} from './types.ts';

// The slice of the Web Serial API used here.
export interface SerialPortLike {
  open(options: { baudRate: number; bufferSize?: number }): Promise<void>;
  close(): Promise<void>;
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
}

export interface SerialLike {
  requestPort(options?: {
    filters?: { usbVendorId?: number; usbProductId?: number }[];
  }): Promise<SerialPortLike>;
}

/** Raw bytes per console line (124 base64 characters). */
const LINE_BYTES = 93;

/** Chromium reports an unplugged port as NetworkError "The device has been lost.". */
function reasonFor(error: unknown): CloseReason {
  const message = String((error as Error).message ?? error);
  return (error as DOMException).name === 'NetworkError'
    ? { kind: 'device-lost', detail: message }
    : { kind: 'link-error', detail: message, cause: error };
}

class WebSerialTransport extends BaseTransport implements Transport {
  readonly kind = 'serial';
  readonly writeSize = LINE_BYTES;
  readonly frameOverhead = SERIAL_FRAME_OVERHEAD;
  readonly deframer = new SerialDeframer();
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<void>;

  constructor(private readonly port: SerialPortLike) {
    super();
    if (!port.readable || !port.writable)
      throw new TransportClosedError('serial', {
        kind: 'link-error',
        detail: 'The port has no streams.',
      });
    this.#reader = port.readable.getReader();
    this.#writer = port.writable.getWriter();
    this.#reading = this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        for (const frame of this.deframer.push(value)) this.deliver(frame);
      }
      this.shut({ kind: 'closed' });
    } catch (error) {
      this.shut(reasonFor(error));
    }
  }

  send(frame: Uint8Array, options: SendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const bytes = encodeSerialFrame(frame);
    return this.inOrder(async () => {
      const reason = this.closeReason;
      if (reason) throw new TransportClosedError('serial', reason);
      try {
        await this.#writer.ready; // backpressure from the port
        await this.#writer.write(bytes);
      } catch (error) {
        this.shut(reasonFor(error));
        throw new TransportClosedError('serial', this.closeReason ?? { kind: 'closed' });
      }
    });
  }

  async close(): Promise<void> {
    const lost = this.closeReason?.kind === 'device-lost';
    this.shut({ kind: 'closed' });
    await this.#reader.cancel().catch(() => undefined);
    await this.#reading;
    this.#reader.releaseLock();
    await this.#writer.close().catch(() => undefined);
    this.#writer.releaseLock();
    if (!lost) await this.port.close().catch(() => undefined);
  }
}

/** Opens `port` at `baudRate` (default 115200) and speaks SMP on it. */
export async function openWebSerial(
  port: SerialPortLike,
  options: { baudRate?: number; signal?: AbortSignal } = {},
): Promise<Transport> {
  options.signal?.throwIfAborted();
  await port.open({ baudRate: options.baudRate ?? 115200, bufferSize: 4096 });
  return new WebSerialTransport(port);
}
