/**
 * Simulated links between a host and the simulated device. The host side is
 * what a browser offers (a Web Bluetooth device, a Web Serial port) or raw
 * bytes (a pty), so the real transports run unchanged against the simulator;
 * the device side gets whole SMP frames after the link has applied Zephyr's
 * reassembly and buffer rules, timing and faults.
 * @module
 */

/** The device, as a link sees it. */
export interface DeviceSide {
  /** A whole SMP packet arrived from the host. */
  receive(packet: Uint8Array, link: SimLink): void;
  /** Bytes sent towards the device on this link so far (for byte-triggered faults). */
  bytesToDevice(total: number, link: SimLink): void;
  /** The host ended the link (the device stops answering on it). */
  closed(link: SimLink): void;
}

export interface SimLink {
  readonly kind: 'ble' | 'serial';
  readonly open: boolean;
  /** The device sends an answer frame; returns the time (ms) its last byte has left the device. */
  send(frame: Uint8Array): number;
  /** The device side ends the link (reboot, power loss, a fault). */
  drop(detail: string): void;
  /** Counters of what the link carried, lost or refused, for tests and benchmarks. */
  readonly stats: LinkStats;
}

export interface LinkStats {
  /** Bytes sent towards the device (ATT write payloads, or serial line bytes). */
  bytesToDevice: number;
  bytesToHost: number;
  /** Units the device never took: over-MTU writes, lines with no free buffer, frames over buf_size. */
  dropped: number;
  /** Why, by reason. */
  readonly drops: Record<string, number>;
}

export function newStats(): LinkStats {
  return { bytesToDevice: 0, bytesToHost: 0, dropped: 0, drops: {} };
}

export function countDrop(stats: LinkStats, reason: string): void {
  stats.dropped++;
  stats.drops[reason] = (stats.drops[reason] ?? 0) + 1;
}

/** Payload capacity of a link: SMP frame bytes per second it could carry at best, each way. */
export interface LinkCapacity {
  readonly toDevice: number;
  readonly toHost: number;
}

/** A DOMException as browsers raise them (Node has the same global). */
export function domError(name: string, message: string): Error {
  return new DOMException(message, name);
}
