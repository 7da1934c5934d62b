/**
 * The host side of a simulated serial link, shaped like the Web Serial API,
 * so that the real transport (transport/web-serial.ts) runs unchanged against
 * the device: `new SimSerial(device).requestPort()` → `openWebSerial(port)`.
 * Behaviour follows Chromium's: a USB CDC port vanishes when the device
 * resets ("The device has been lost.") and a new port object appears when it
 * enumerates again; a UART bridge port stays. A baud rate other than the
 * device's garbles every byte, as a real UART would.
 * @module
 */
import { domError } from './link.ts';
import { SimSerialLink, type SerialDevice } from './link-serial.ts';

export class SimSerialPort {
  #link: SimSerialLink | null = null;
  #readable: ReadableStream<Uint8Array> | null = null;
  #writable: WritableStream<Uint8Array> | null = null;

  constructor(
    private readonly device: SerialDevice,
    /** The USB enumeration this port belongs to. */
    readonly generation: number,
  ) {}

  get readable(): ReadableStream<Uint8Array> | null {
    return this.#readable;
  }

  get writable(): WritableStream<Uint8Array> | null {
    return this.#writable;
  }

  #gone(): boolean {
    return !this.device.present() || this.device.generation() !== this.generation;
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return { usbVendorId: 0x2fe3, usbProductId: 0x0100 }; // Zephyr's sample USB ids
  }

  open(options: { baudRate: number; bufferSize?: number }): Promise<void> {
    if (this.#link)
      return Promise.reject(domError('InvalidStateError', 'The port is already open.'));
    if (this.#gone())
      return Promise.reject(domError('NetworkError', 'Failed to open serial port.'));
    const link = new SimSerialLink(this.device);
    const baud = this.device.serial.baud;
    const garble = baud !== null && options.baudRate !== baud;
    const through = (bytes: Uint8Array) =>
      garble ? bytes.map((b) => (b * 37 + 11) & 0xff) : bytes;
    this.#link = link;
    this.#readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        link.onBytes = (bytes) => controller.enqueue(through(bytes));
        link.onLost = () => {
          controller.error(domError('NetworkError', 'The device has been lost.'));
          this.#release();
        };
      },
      cancel: () => undefined,
    });
    this.#writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (!link.open) throw domError('NetworkError', 'The device has been lost.');
        await link.hostBytes(through(chunk));
      },
    });
    this.device.connected(link);
    return Promise.resolve();
  }

  close(): Promise<void> {
    const link = this.#link;
    if (!link) return Promise.reject(domError('InvalidStateError', 'The port is already closed.'));
    link.hostClosed();
    this.#release();
    return Promise.resolve();
  }

  #release(): void {
    this.#link = null;
    this.#readable = null;
    this.#writable = null;
  }
}

/** `navigator.serial` for one simulated device. */
export class SimSerial {
  #port: SimSerialPort | null = null;

  constructor(private readonly device: SerialDevice) {}

  #current(): SimSerialPort | null {
    if (!this.device.present()) return null;
    const generation = this.device.generation();
    if (this.#port?.generation !== generation)
      this.#port = new SimSerialPort(this.device, generation);
    return this.#port;
  }

  requestPort(): Promise<SimSerialPort> {
    const port = this.#current();
    return port
      ? Promise.resolve(port)
      : Promise.reject(domError('NotFoundError', 'No port selected by the user.'));
  }

  getPorts(): Promise<SimSerialPort[]> {
    const port = this.#current();
    return Promise.resolve(port ? [port] : []);
  }
}
