/**
 * CLI failures and their exit codes (DESIGN.md "CLI"): 2 for usage, I/O and
 * transport problems, 1 when a verdict or a device says no.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';

/** 130: interrupted by ^C (128 + SIGINT), as shells report it. */
export const EXIT = { ok: 0, rejected: 1, failure: 2, cancelled: 130 } as const;

/** Bad command line: unknown option, missing argument, malformed value. */
export class UsageError extends FieldflashError {
  readonly code = 'usage';
}

/** A file could not be read or written. */
export class FileError extends FieldflashError {
  readonly code = 'file';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

/** Wraps an error about the contents of a file, to name the file in the message. */
export class InFileError extends FieldflashError {
  readonly code: string;
  constructor(
    readonly path: string,
    readonly inner: FieldflashError,
  ) {
    super(`${path}: ${inner.message}`, { cause: inner });
    this.code = inner.code;
  }
}
