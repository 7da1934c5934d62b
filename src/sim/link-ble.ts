/**
 * A Bluetooth LE link carrying the SMP GATT service (research/protocols.md §3),
 * with the host side shaped like the Web Bluetooth API, so that the real
 * transport (transport/web-bluetooth.ts) runs unchanged against the device:
 * `new SimBluetooth([device]).requestDevice(...)` → `connectSmpDevice(device)`.
 *
 * On the air: writes without response, at most ATT_MTU − 3 bytes each (a
 * larger one is lost without an error, as on real links; the host cannot see
 * the MTU and must probe); packets travel at connection events,
 * as link-layer packets, `packetsPerEvent` per event each way; the device reassembles frames as
 * Zephyr's smp_reassembly.c does (or takes one write as one packet when
 * reassembly is off, smp_bt.c) and answers in notifications of at most
 * ATT_MTU − 3 bytes, only while the host is subscribed.
 * @module
 */
import {
  decodeHeader,
  SMP_CHARACTERISTIC_UUID,
  SMP_HEADER_SIZE,
  SMP_SERVICE_UUID,
  splitIntoWrites,
} from '../core/smp/index.ts';
import { UnitFaults, type FaultPlan } from './faults.ts';
import {
  countDrop,
  domError,
  newStats,
  type DeviceSide,
  type LinkCapacity,
  type LinkStats,
  type SimLink,
} from './link.ts';
import { EventWire, InOrder, now, Timers } from './wire.ts';

export interface BleLinkProfile {
  readonly kind: 'ble';
  /** Negotiated ATT MTU (23…517). */
  readonly mtu: number;
  readonly intervalMs: number;
  /** Link-layer packets per connection event, each way (depends on PHY, event length, controller). */
  readonly packetsPerEvent: number;
  /**
   * LL data PDU payload: 27 octets, or up to 251 with Data Length Extension
   * (Core Vol 6 Part B §2.4.2.21). An ATT PDU plus its 4-byte L2CAP header
   * travels in as many LL packets as it needs.
   */
  readonly dataLength: number;
  /** One-way latency added to every packet (radio and stack). */
  readonly latencyMs: number;
  /** CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY. */
  readonly reassembly: boolean;
  /** Writes without response the host's stack queues before the next has to wait. */
  readonly hostQueue: number;
  /**
   * Supervision timeout: when the device vanishes (reset, power loss), the
   * host only notices this long after (BLE Core Vol 6 Part B §4.5.2).
   */
  readonly supervisionTimeoutMs: number;
}

/** ATT header of a write or notification (opcode + handle). */
const ATT_OVERHEAD = 3;
/** Chromium refuses a characteristic write larger than this (Blink, GATT max attribute length). */
const MAX_ATTRIBUTE = 512;

/** L2CAP basic header: length + channel id. */
const L2CAP_HEADER = 4;

/** LL packets that carry one ATT write or notification of `n` payload bytes. */
export function llPackets(p: BleLinkProfile, n: number): number {
  return Math.max(1, Math.ceil((n + ATT_OVERHEAD + L2CAP_HEADER) / p.dataLength));
}

/**
 * Frame bytes per second the link could carry at best, each way: full
 * MTU-sized writes (or notifications) back to back at every event.
 */
export function bleCapacity(p: BleLinkProfile): LinkCapacity {
  const payload = p.mtu - ATT_OVERHEAD;
  const perSecond = ((p.packetsPerEvent / llPackets(p, payload)) * payload * 1000) / p.intervalMs;
  return { toDevice: perSecond, toHost: perSecond };
}

/** What the link needs from the device that advertises it. */
export interface BleDevice {
  readonly name: string;
  readonly ble: BleLinkProfile;
  readonly faults: FaultPlan;
  /** The device's netbuf size: the largest frame reassembly accepts. */
  readonly bufSize: number;
  readonly side: DeviceSide;
  /** Resolves true once the device advertises (is running), false after `timeoutMs`. */
  advertising(timeoutMs: number): Promise<boolean>;
  /** A host connected: the device now answers on `link`. */
  connected(link: SimBleLink): void;
}

/** One connection between the host and the device. */
export class SimBleLink implements SimLink {
  readonly kind = 'ble';
  readonly stats: LinkStats = newStats();
  readonly #timers = new Timers();
  readonly #toDevice = new InOrder(this.#timers);
  readonly #toHost = new InOrder(this.#timers);
  readonly #up: EventWire;
  readonly #down: EventWire;
  readonly #faults: UnitFaults;
  #open = true;
  #subscribed = false;
  #partial: { expected: number; parts: Uint8Array[]; size: number } | null = null;
  #queued = 0;
  #waiting: (() => void)[] = [];

  constructor(
    readonly device: BleDevice,
    /** The host's end: a notification arrived, or the host noticed the link is gone. */
    private readonly host: { notify(bytes: Uint8Array): void; lost(detail: string): void },
  ) {
    const p = device.ble;
    this.#up = new EventWire(p.intervalMs, p.packetsPerEvent);
    this.#down = new EventWire(p.intervalMs, p.packetsPerEvent);
    this.#faults = new UnitFaults(
      device.faults,
      { 'to-device': 'write', 'to-host': 'notification' },
      (copy, random) => {
        const i = Math.floor(random() * copy.length);
        copy[i] = (copy[i] ?? 0) ^ 0x5a;
        return i;
      },
    );
  }

  get open(): boolean {
    return this.#open;
  }

  subscribe(on: boolean): void {
    this.#subscribed = on;
  }

  /** A write from the host; resolves once its stack has queued it (flow control). */
  async hostWrite(write: Uint8Array): Promise<void> {
    while (this.#open && this.#queued >= this.device.ble.hostQueue) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    // After the device vanished, writes go nowhere until the host notices.
    if (!this.#open) return;
    this.#queued++;
    this.stats.bytesToDevice += write.length;
    const at = this.#up.schedule(llPackets(this.device.ble, write.length));
    this.#timers.at(at, () => this.#release());
    for (const unit of this.#faults.apply('to-device', write)) {
      this.#toDevice.at(at + this.device.ble.latencyMs, () => this.#deviceGets(unit));
    }
    this.device.side.bytesToDevice(this.stats.bytesToDevice, this);
  }

  #release(): void {
    this.#queued = Math.max(0, this.#queued - 1);
    this.#waiting.shift()?.();
  }

  /** Zephyr's end of the air: MTU check, then reassembly (smp_bt.c, smp_reassembly.c). */
  #deviceGets(write: Uint8Array): void {
    if (!this.#open) return;
    if (write.length > this.device.ble.mtu - ATT_OVERHEAD) {
      return countDrop(this.stats, 'write over ATT MTU');
    }
    if (!this.device.ble.reassembly) {
      if (write.length > this.device.bufSize) return countDrop(this.stats, 'frame over buf_size');
      this.device.side.receive(write, this);
      return;
    }
    if (!this.#partial) {
      if (write.length < SMP_HEADER_SIZE) {
        return countDrop(this.stats, 'first write shorter than the SMP header');
      }
      const expected = SMP_HEADER_SIZE + decodeHeader(write).length;
      if (expected > this.device.bufSize) return countDrop(this.stats, 'frame over buf_size');
      this.#partial = { expected, parts: [], size: 0 };
    }
    const p = this.#partial;
    if (p.size + write.length > p.expected) {
      // smp_reassembly_collect: -EOVERFLOW, the partial frame is dropped.
      this.#partial = null;
      return countDrop(this.stats, 'reassembly overflow');
    }
    p.parts.push(write);
    p.size += write.length;
    if (p.size < p.expected) return;
    this.#partial = null;
    const frame = new Uint8Array(p.size);
    let at = 0;
    for (const part of p.parts) {
      frame.set(part, at);
      at += part.length;
    }
    this.device.side.receive(frame, this);
  }

  send(frame: Uint8Array): number {
    let end = now();
    if (!this.#open) return end;
    if (!this.#subscribed) {
      countDrop(this.stats, 'answer while the host is not subscribed');
      return end;
    }
    for (const chunk of splitIntoWrites(frame, this.device.ble.mtu - ATT_OVERHEAD)) {
      this.stats.bytesToHost += chunk.length;
      const leaves = this.#down.schedule(llPackets(this.device.ble, chunk.length));
      end = Math.max(end, leaves);
      for (const unit of this.#faults.apply('to-host', chunk)) {
        this.#toHost.at(leaves + this.device.ble.latencyMs, () => {
          if (this.#open) this.host.notify(unit);
        });
      }
    }
    return end;
  }

  /** The device side ends the link; the host notices after the supervision timeout. */
  drop(detail: string): void {
    if (!this.#open) return;
    this.#close();
    const host = this.host;
    setTimeout(() => host.lost(detail), this.device.ble.supervisionTimeoutMs);
  }

  /** The host disconnected. */
  hostClosed(): void {
    if (!this.#open) return;
    this.#close();
    this.device.side.closed(this);
  }

  #close(): void {
    this.#open = false;
    this.#partial = null;
    this.#timers.cancelAll();
    this.#toDevice.clear();
    this.#toHost.clear();
    this.#queued = 0;
    for (const w of this.#waiting.splice(0)) w();
  }
}

// --- the host side, shaped like Web Bluetooth --------------------------------------------

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

const CONNECT_TIMEOUT_MS = 20_000;

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
