/**
 * A Bluetooth LE link carrying the SMP GATT service (research/protocols.md §3);
 * its host side, shaped like the Web Bluetooth API, is bluetooth-host.ts.
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
import { decodeHeader, SMP_HEADER_SIZE, splitIntoWrites } from '../core/smp/index.ts';
import { UnitFaults, type FaultPlan } from './faults.ts';
import {
  countDrop,
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
