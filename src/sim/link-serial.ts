/**
 * A serial link carrying SMP console framing (research/protocols.md §4).
 * Bytes travel at the baud rate (10 bits per byte; unlimited for USB CDC or
 * a pty). The device side follows Zephyr's UART receive model
 * (uart_mcumgr.c): each line takes one of `rxLineBuffers` buffers until the
 * SMP thread has taken it, a line that finds none free is dropped
 * ("Insufficient buffers, fragment dropped"), and a frame whose bytes with
 * length and CRC exceed the netbuf is dropped. Answers go back in Zephyr's
 * own line lengths (124, then 120 base64 characters); the console may print
 * text between frames (the boot banner).
 *
 * The host side is raw bytes (`hostBytes`, `onBytes`), which a pty or the
 * Web Serial shape (sim/web-serial.ts) sits on. Line faults act on whole
 * lines, split at '\n'.
 * @module
 */
import {
  SERIAL_FRAME_OVERHEAD,
  SerialDeframer,
  serialLines,
  ZEPHYR_CONTINUATION_CHARS,
} from '../core/smp/index.ts';
import { UnitFaults, type FaultPlan } from './faults.ts';
import {
  countDrop,
  newStats,
  type DeviceSide,
  type LinkCapacity,
  type LinkStats,
  type SimLink,
} from './link.ts';
import { ByteWire, InOrder, now, Timers } from './wire.ts';

export interface SerialLinkProfile {
  readonly kind: 'serial';
  /** Bits per second on a UART; null = USB CDC-ACM (or a pty): no baud rate, USB full-speed bulk rate. */
  readonly baud: number | null;
  readonly latencyMs: number;
  /** CONFIG_UART_MCUMGR_RX_BUF_COUNT (Zephyr default 2). */
  readonly rxLineBuffers: number;
  /** Time the device's SMP thread takes to take one line off a buffer. */
  readonly lineProcessMs: number;
  /** A UART keeps the port across a device reset; USB CDC-ACM re-enumerates (the port is lost). */
  readonly survivesReset: boolean;
  /**
   * USB CDC-ACM: the device NAKs while its buffers are full, so the host waits
   * instead of losing lines. A UART (and a pty) has no such brake: a burst of
   * more lines than free buffers loses the rest.
   */
  readonly flowControlled: boolean;
  /**
   * Overrides the wire rate (raw bytes per ms): an emulator's UART (QEMU)
   * takes bytes as fast as they come, `Infinity`.
   */
  readonly wireBytesPerMs?: number;
}

/** CONFIG_UART_MCUMGR_RX_BUF_SIZE 128: the longest line the device takes, newline included. */
const RX_LINE_MAX = 128;
/** Frame bytes per line byte at best: 93 raw bytes ride in a 127-byte line (base64 + marker + newline). */
const LINE_EFFICIENCY = 93 / 127;
const NEWLINE = 0x0a;

/**
 * USB full speed: at most 19 bulk packets of 64 bytes per 1 ms frame (USB 2.0
 * §5.8.4), the ceiling of a CDC-ACM port whatever baud rate the host sets.
 */
const USB_FS_BYTES_PER_MS = 19 * 64;

/** Raw bytes per millisecond on the wire: 10 bits per byte on a UART (start, 8 data, stop). */
function bytesPerMs(p: SerialLinkProfile): number {
  if (p.wireBytesPerMs !== undefined) return p.wireBytesPerMs;
  return p.baud === null ? USB_FS_BYTES_PER_MS : p.baud / 10 / 1000;
}

export function serialCapacity(p: SerialLinkProfile): LinkCapacity {
  const bytesPerSecond = bytesPerMs(p) * 1000 * LINE_EFFICIENCY;
  return { toDevice: bytesPerSecond, toHost: bytesPerSecond };
}

/** What the link needs from the device at its end. */
export interface SerialDevice {
  readonly serial: SerialLinkProfile;
  readonly faults: FaultPlan;
  readonly bufSize: number;
  readonly side: DeviceSide;
  /** False while the device is off or rebooting: the UART takes nothing. */
  listening(): boolean;
  /**
   * When the SMP work queue will be free (ms): line buffers are freed by work
   * on the same queue that runs requests (smp_uart.c), so while a request
   * erases or writes flash, arriving lines find no free buffer.
   */
  smpFreeAt(): number;
  /** Whether the host sees a port: always for a UART bridge; for USB CDC only while the app runs. */
  present(): boolean;
  /** Changes each time a USB CDC device re-enumerates (a new port object). */
  generation(): number;
  /** A host opened the port: the device now answers on `link`. */
  connected(link: SimSerialLink): void;
}

export class SimSerialLink implements SimLink {
  readonly kind = 'serial';
  readonly stats: LinkStats = newStats();
  /** The host's end: bytes from the device. */
  onBytes: (bytes: Uint8Array) => void = () => undefined;
  /** The host's end: the port vanished (USB re-enumeration, power loss). */
  onLost: (detail: string) => void = () => undefined;
  readonly #timers = new Timers();
  readonly #arrivals = new InOrder(this.#timers);
  readonly #decoding = new InOrder(this.#timers);
  readonly #toHost = new InOrder(this.#timers);
  readonly #up: ByteWire;
  readonly #down: ByteWire;
  #deframer = new SerialDeframer();
  readonly #faults: UnitFaults;
  #partialLine: number[] = [];
  /** When each occupied line buffer is freed (exact times; timers only fire on whole ms). */
  #releases: number[] = [];
  #open = true;

  constructor(readonly device: SerialDevice) {
    const p = device.serial;
    const perMs = bytesPerMs(p);
    this.#up = new ByteWire(perMs);
    this.#down = new ByteWire(perMs);
    this.#faults = new UnitFaults(
      device.faults,
      { 'to-device': 'serial line', 'to-host': 'serial line' },
      (copy, random) => {
        // A changed base64 character, not the marker or the newline, so the CRC must catch it.
        const i = 2 + Math.floor(random() * Math.max(1, copy.length - 3));
        copy[i] = copy[i] === 0x41 ? 0x42 : 0x41;
        return i;
      },
    );
  }

  get open(): boolean {
    return this.#open;
  }

  /** Bytes from the host, any chunking; resolves when they have left the host (a drain). */
  hostBytes(bytes: Uint8Array): Promise<void> {
    if (!this.#open) return Promise.resolve();
    this.stats.bytesToDevice += bytes.length;
    let end = now();
    let from = 0;
    // Each line arrives when its own last byte has crossed the wire.
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== NEWLINE) continue;
      end = this.#up.schedule(i + 1 - from);
      this.#partialLine.push(...bytes.subarray(from, i + 1));
      from = i + 1;
      const line = Uint8Array.from(this.#partialLine);
      this.#partialLine = [];
      for (const unit of this.#faults.apply('to-device', line)) {
        const at = end + this.device.serial.latencyMs;
        this.#arrivals.at(at, () => this.#lineArrives(unit, at));
      }
    }
    if (from < bytes.length) {
      end = this.#up.schedule(bytes.length - from);
      this.#partialLine.push(...bytes.subarray(from));
    }
    this.device.side.bytesToDevice(this.stats.bytesToDevice, this);
    return this.#timers.sleep(end - now()).then(() => undefined);
  }

  /**
   * Zephyr's UART side (uart_mcumgr.c, smp_uart.c): a line takes a buffer, the
   * SMP work queue decodes it `lineProcessMs` after it is free, and only then
   * frees the buffer. Times are kept exactly, so whole-millisecond timers do
   * not change who finds a free buffer.
   */
  #lineArrives(line: Uint8Array, at: number): void {
    if (!this.#open || !this.device.listening()) return;
    if (line.length > RX_LINE_MAX) {
      return countDrop(this.stats, 'line over CONFIG_UART_MCUMGR_RX_BUF_SIZE');
    }
    this.#releases = this.#releases.filter((t) => t > at);
    let start = at;
    if (this.#releases.length >= this.device.serial.rxLineBuffers) {
      if (!this.device.serial.flowControlled) return countDrop(this.stats, 'no free line buffer');
      // USB flow control: the line waits in the host until the first buffer frees.
      const first = Math.min(...this.#releases);
      this.#releases.splice(this.#releases.indexOf(first), 1);
      start = first;
    }
    const release = Math.max(start, this.device.smpFreeAt()) + this.device.serial.lineProcessMs;
    this.#releases.push(release);
    this.#decoding.at(release, () => {
      if (!this.device.listening()) return;
      const bad = () => Object.values({ ...this.#deframer.drops }).reduce((a, b) => a + b, 0);
      const before = bad();
      for (const frame of this.#deframer.push(line)) {
        // The length prefix and the CRC share the netbuf with the frame (serial_util.c).
        if (frame.length + SERIAL_FRAME_OVERHEAD > this.device.bufSize) {
          countDrop(this.stats, 'frame over buf_size');
        } else this.device.side.receive(frame, this);
      }
      if (bad() > before) countDrop(this.stats, 'bad frame (CRC, length or base64)');
    });
  }

  send(frame: Uint8Array): number {
    let end = now();
    if (!this.#open) return end;
    for (const line of serialLines(frame, { continuationChars: ZEPHYR_CONTINUATION_CHARS })) {
      end = this.#sendLine(line, true);
    }
    return end;
  }

  /** Console text from the device (boot banner, logs), between frames. */
  print(text: string): void {
    if (this.#open)
      this.#sendLine(
        Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff),
        false,
      );
  }

  #sendLine(line: Uint8Array, faultable: boolean): number {
    this.stats.bytesToHost += line.length;
    const leaves = this.#down.schedule(line.length);
    for (const unit of faultable ? this.#faults.apply('to-host', line) : [line]) {
      this.#toHost.at(leaves + this.device.serial.latencyMs, () => {
        if (this.#open) this.onBytes(unit);
      });
    }
    return leaves;
  }

  /** The device dropped its end (a USB CDC device resetting, power loss): the port is gone. */
  drop(detail: string): void {
    if (!this.#open) return;
    this.#close();
    this.onLost(detail);
  }

  /** A UART across a device reset: the port stays, what was in flight is lost. */
  flush(): void {
    this.#cancelTimers();
    this.#releases = [];
    this.#partialLine = [];
    this.#deframer = new SerialDeframer();
  }

  #cancelTimers(): void {
    this.#timers.cancelAll();
    this.#arrivals.clear();
    this.#decoding.clear();
    this.#toHost.clear();
  }

  hostClosed(): void {
    if (!this.#open) return;
    this.#close();
    this.device.side.closed(this);
  }

  #close(): void {
    this.#open = false;
    this.#cancelTimers();
  }
}
