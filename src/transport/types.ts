/**
 * The one interface every medium implements (DESIGN.md "Transport"): send a
 * whole SMP frame, receive whole frames as they arrive, the current write
 * size, `close()`, and a `closed` promise that settles with the reason.
 * Framing (serial lines, BLE fragments) happens inside, with core/smp's pure
 * codecs, so the client above only sees frames.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';

export type TransportKind = 'bluetooth' | 'serial' | 'memory';

export type CloseReason =
  /** We closed it (the user disconnected, or the app is done). */
  | { readonly kind: 'closed' }
  /** The device went away: Bluetooth link lost, USB serial unplugged, device reset. */
  | { readonly kind: 'device-lost'; readonly detail: string }
  /** The link failed in another way (an OS or browser error). */
  | { readonly kind: 'link-error'; readonly detail: string; readonly cause?: unknown };

export interface SendOptions {
  readonly signal?: AbortSignal | undefined;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Whole SMP frames from the device (header + CBOR), in arrival order. Closes when the transport does. */
  readonly frames: ReadableStream<Uint8Array>;
  /** Sends one whole SMP frame. Frames are never interleaved on the wire. */
  send(frame: Uint8Array, options?: SendOptions): Promise<void>;
  /**
   * Frame bytes carried by one underlying write: one ATT write over Bluetooth,
   * one console line over serial. Upload chunks are sized to fill whole writes.
   */
  readonly writeSize: number;
  /** Bytes the framing adds around every frame (serial: length + CRC). */
  readonly frameOverhead: number;
  close(): Promise<void>;
  /** Settles (never rejects) when the transport is closed, with why. */
  readonly closed: Promise<CloseReason>;
}

/** A transport whose write size can be tuned by probing (Web Bluetooth, where the MTU is hidden). */
export interface WriteSizeTunable {
  /** Sizes worth probing, largest first (each ≥ 8, the SMP header). */
  readonly writeSizeCandidates: readonly number[];
  setWriteSize(size: number): void;
}

export function isWriteSizeTunable(t: Transport): t is Transport & WriteSizeTunable {
  return typeof (t as Partial<WriteSizeTunable>).setWriteSize === 'function';
}

const CLOSED_MESSAGES: Record<TransportKind, Record<CloseReason['kind'], string>> = {
  bluetooth: {
    closed: 'The Bluetooth connection was closed.',
    'device-lost':
      'The Bluetooth link to the device was lost (out of range, switched off, or rebooting).',
    'link-error': 'The Bluetooth link failed.',
  },
  serial: {
    closed: 'The serial port was closed.',
    'device-lost': 'The serial device was disconnected (unplugged, or rebooting).',
    'link-error': 'The serial port failed.',
  },
  memory: {
    closed: 'The link was closed.',
    'device-lost': 'The device went away.',
    'link-error': 'The link failed.',
  },
};

/** The link is gone: what a request or send meets once the transport has closed. */
export class TransportClosedError extends FieldflashError {
  readonly code = 'disconnected';
  constructor(
    readonly transport: TransportKind,
    readonly reason: CloseReason,
  ) {
    const detail = reason.kind === 'closed' ? '' : ` ${reason.detail}`;
    super(`${CLOSED_MESSAGES[transport][reason.kind]}${detail}`.trim(), {
      cause: 'cause' in reason ? reason.cause : undefined,
    });
  }
}

/** A write the link refused while still connected (e.g. larger than the Bluetooth MTU). */
export class LinkWriteError extends FieldflashError {
  readonly code = 'link-write-failed';
  constructor(
    readonly transport: TransportKind,
    readonly size: number,
    options?: { cause?: unknown },
  ) {
    super(
      `The ${transport === 'bluetooth' ? 'Bluetooth' : 'serial'} link refused a ${size}-byte write.`,
      options,
    );
  }
}
