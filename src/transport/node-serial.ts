/**
 * SMP over a serial port from Node (the CLI), through npm `serialport`, with
 * core/smp's console framing. Not bundled into the browser app.
 * @module
 */
import type { SerialPort } from 'serialport';
import { FieldflashError } from '../core/errors.ts';
import { encodeSerialFrame, SERIAL_FRAME_OVERHEAD, SerialDeframer } from '../core/smp/index.ts';
import { BaseTransport } from './base.ts';
import { TransportClosedError, type SendOptions, type Transport } from './types.ts';

export interface NodeSerialOptions {
  readonly path: string;
  readonly baudRate?: number;
}

/** The port could not be opened. */
export class SerialOpenError extends FieldflashError {
  readonly code = 'serial-open-failed';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const text = String((cause as Error).message ?? cause);
    const hint = /ENOENT|No such file/i.test(text)
      ? 'no such port (is the device plugged in? list ports with `ls /dev/tty*`)'
      : /EACCES|Permission denied/i.test(text)
        ? 'permission denied (on Linux, add yourself to the "dialout" group)'
        : /EBUSY|locked|Resource temporarily/i.test(text)
          ? 'the port is in use by another program'
          : text;
    super(`Cannot open serial port ${path}: ${hint}.`, { cause });
  }
}

/** Raw bytes per console line (124 base64 characters). */
const LINE_BYTES = 93;

class NodeSerialTransport extends BaseTransport implements Transport {
  readonly kind = 'serial';
  readonly writeSize = LINE_BYTES;
  readonly frameOverhead = SERIAL_FRAME_OVERHEAD;
  readonly deframer = new SerialDeframer();

  constructor(private readonly port: SerialPort) {
    super();
    port.on('data', (chunk: Buffer) => {
      for (const frame of this.deframer.push(chunk)) this.deliver(frame);
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      this.shut(
        err?.disconnected ? { kind: 'device-lost', detail: err.message } : { kind: 'closed' },
      );
    });
    port.on('error', (err: Error) =>
      this.shut({ kind: 'link-error', detail: err.message, cause: err }),
    );
  }

  send(frame: Uint8Array, options: SendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const bytes = encodeSerialFrame(frame);
    return this.inOrder(() => this.#write(bytes));
  }

  #write(bytes: Uint8Array): Promise<void> {
    const reason = this.closeReason;
    if (reason) return Promise.reject(new TransportClosedError('serial', reason));
    return new Promise((resolve, reject) => {
      // A write or drain error means the port is gone (EIO when a USB adapter or pty vanishes).
      const fail = (err: Error) => {
        const lost = /EIO|Input\/output error|ENXIO|ENODEV|disconnected/i.test(err.message);
        this.shut(
          lost
            ? { kind: 'device-lost', detail: err.message }
            : { kind: 'link-error', detail: err.message, cause: err },
        );
        reject(new TransportClosedError('serial', this.closeReason ?? { kind: 'closed' }));
      };
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
        if (err) return fail(err);
        this.port.drain((drainErr) => (drainErr ? fail(drainErr) : resolve()));
      });
    });
  }

  async close(): Promise<void> {
    if (!this.shut({ kind: 'closed' })) return;
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

export async function openNodeSerial(
  options: NodeSerialOptions,
): Promise<Transport & { readonly deframer: SerialDeframer }> {
  // Loaded on first use: the native addon is only needed by device commands.
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({
    path: options.path,
    baudRate: options.baudRate ?? 115200,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new SerialOpenError(options.path, err)) : resolve())),
  );
  return new NodeSerialTransport(port);
}
