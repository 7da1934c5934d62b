/**
 * The host side of a simulated Bluetooth LE link, shaped like the Web
 * Bluetooth API, so that the real transport (transport/web-bluetooth.ts)
 * runs unchanged against the device:
 * `new SimBluetooth([device]).requestDevice(...)` → `connectSmpDevice(device)`.
 * Errors are the DOMExceptions Chromium raises.
 * @module
 */
import { SMP_CHARACTERISTIC_UUID, SMP_SERVICE_UUID } from '../core/smp/index.ts';
import { domError } from './link.ts';
import { SimBleLink, type BleDevice } from './link-ble.ts';

/** Chromium refuses a characteristic write larger than this (Blink, GATT max attribute length). */
const MAX_ATTRIBUTE = 512;
/** Chrome gives up a connection attempt after about 20 s without an answer. */
const CONNECT_TIMEOUT_MS = 20_000;

class SimSmpCharacteristic extends EventTarget {
  readonly uuid = SMP_CHARACTERISTIC_UUID;
  value: DataView | null = null;

  constructor(private readonly server: SimGattServer) {
    super();
  }

  startNotifications(): Promise<this> {
    this.server.link()?.subscribe(true);
    return Promise.resolve(this);
  }

  stopNotifications(): Promise<this> {
    this.server.link()?.subscribe(false);
    return Promise.resolve(this);
  }

  async writeValueWithoutResponse(value: BufferSource): Promise<void> {
    const bytes = ArrayBuffer.isView(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice()
      : new Uint8Array(value).slice();
    const link = this.server.link();
    if (!link) {
      throw domError(
        'NetworkError',
        'GATT Server is disconnected. Cannot perform GATT operations.',
      );
    }
    if (bytes.length > MAX_ATTRIBUTE) {
      throw domError('InvalidModificationError', "Value can't exceed 512 bytes.");
    }
    await link.hostWrite(bytes);
  }

  /** Called by the link: a notification arrived. */
  notified(bytes: Uint8Array): void {
    this.value = new DataView(bytes.slice().buffer);
    this.dispatchEvent(new Event('characteristicvaluechanged'));
  }
}

class SimGattServer {
  #link: SimBleLink | null = null;
  #characteristic: SimSmpCharacteristic | null = null;

  constructor(private readonly device: SimBluetoothDevice) {}

  get connected(): boolean {
    return this.#link !== null;
  }

  /** The current connection, while the host believes it is connected. */
  link(): SimBleLink | null {
    return this.#link;
  }

  async connect(): Promise<this> {
    if (this.#link) return this;
    const target = this.device.target;
    // Chrome gives up a connection attempt after about 20 s without an answer.
    if (!(await target.advertising(CONNECT_TIMEOUT_MS))) {
      throw domError('NetworkError', 'Connection attempt failed.');
    }
    const characteristic = new SimSmpCharacteristic(this);
    const link = new SimBleLink(target, {
      notify: (bytes) => characteristic.notified(bytes),
      lost: () => {
        if (this.#link !== link) return;
        this.#link = null;
        this.device.dispatchEvent(new Event('gattserverdisconnected'));
      },
    });
    this.#link = link;
    this.#characteristic = characteristic;
    target.connected(link);
    return this;
  }

  disconnect(): void {
    const link = this.#link;
    if (!link) return;
    this.#link = null;
    link.hostClosed();
    this.device.dispatchEvent(new Event('gattserverdisconnected'));
  }

  getPrimaryService(uuid: string): Promise<{
    getCharacteristic(uuid: string): Promise<SimSmpCharacteristic>;
  }> {
    const characteristic = this.#characteristic;
    if (!this.#link || !characteristic) {
      return Promise.reject(domError('NetworkError', 'GATT Server is disconnected.'));
    }
    if (uuid !== SMP_SERVICE_UUID) {
      return Promise.reject(
        domError('NotFoundError', `No Services matching UUID ${uuid} found in Device.`),
      );
    }
    return Promise.resolve({
      getCharacteristic: (c: string) =>
        c === SMP_CHARACTERISTIC_UUID
          ? Promise.resolve(characteristic)
          : Promise.reject(
              domError('NotFoundError', `No Characteristics matching UUID ${c} found in Service.`),
            ),
    });
  }
}

export class SimBluetoothDevice extends EventTarget {
  readonly gatt: SimGattServer;

  constructor(
    readonly target: BleDevice,
    readonly id: string,
  ) {
    super();
    this.gatt = new SimGattServer(this);
  }

  get name(): string {
    return this.target.name;
  }
}

/** `navigator.bluetooth` for simulated devices: the chooser picks the first device the filters match. */
export class SimBluetooth {
  readonly #devices: SimBluetoothDevice[];

  constructor(devices: readonly BleDevice[]) {
    this.#devices = devices.map((d, i) => new SimBluetoothDevice(d, `sim-${i}`));
  }

  requestDevice(options: {
    filters?: { services?: string[]; namePrefix?: string }[];
    acceptAllDevices?: boolean;
  }): Promise<SimBluetoothDevice> {
    const matches = (d: SimBluetoothDevice) =>
      options.acceptAllDevices === true ||
      (options.filters ?? []).some(
        (f) =>
          (f.services ?? []).every((s) => s === SMP_SERVICE_UUID) &&
          (f.namePrefix === undefined || d.name.startsWith(f.namePrefix)),
      );
    const found = this.#devices.find(matches);
    return found
      ? Promise.resolve(found)
      : Promise.reject(domError('NotFoundError', 'User cancelled the requestDevice() chooser.'));
  }
}
