/**
 * How large to make each upload frame: as large as the device's buffer
 * allows, but ending on a whole link write (a whole ATT write over Bluetooth,
 * a whole 93-byte console line over serial), since a part-filled last write
 * costs as much air time as a full one.
 * @module
 */

export interface LinkShape {
  /** Largest SMP frame the device takes (buf_size less the framing), from link negotiation. */
  readonly maxFrame: number;
  /** Frame bytes one link write carries (ATT payload; 93 raw bytes per console line). */
  readonly writeSize: number;
  /** Bytes the framing adds to each frame (serial: length + CRC = 4; Bluetooth: 0). */
  readonly frameOverhead: number;
}

/**
 * The frame budget: the largest size ≤ maxFrame whose frame plus framing is
 * a whole number of writes, or maxFrame when not even one write's worth fits.
 */
export function frameBudget(link: LinkShape): number {
  const { maxFrame, writeSize, frameOverhead } = link;
  if (!(writeSize > 0) || maxFrame <= 0) return Math.max(0, maxFrame);
  const writes = Math.floor((maxFrame + frameOverhead) / writeSize);
  const whole = writes * writeSize - frameOverhead;
  return writes >= 1 && whole > 0 ? Math.min(maxFrame, whole) : maxFrame;
}
