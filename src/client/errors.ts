/**
 * Client-side failures a technician can meet.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';

/** The device did not answer a request in time. */
export class SmpTimeoutError extends FieldflashError {
  readonly code = 'timeout';
  constructor(
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super(`The device did not answer the ${request} within ${(timeoutMs / 1000).toFixed(1)} s.`);
  }
}

/** Every sequence number is taken by an unanswered request. */
export class TooManyPendingError extends FieldflashError {
  readonly code = 'too-many-pending';
  constructor() {
    super('256 requests are waiting for the device to answer; wait for some before sending more.');
  }
}

/** A request too large for what the device (or link) takes in one frame. */
export class FrameTooLargeError extends FieldflashError {
  readonly code = 'frame-too-large';
  constructor(
    readonly request: string,
    readonly size: number,
    readonly maxFrame: number,
  ) {
    super(
      `The ${request} would be a ${size}-byte SMP frame, but the device takes at most ${maxFrame} bytes; make it smaller.`,
    );
  }
}
