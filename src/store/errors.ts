/**
 * The two ways browser storage fails in the field, as typed errors every
 * store can throw: it cannot be opened at all (a private window in some
 * browsers, storage blocked or cleared for the site), or it is full. Each
 * says what was not saved, so nothing is lost without the technician being
 * told.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';

export interface StorageErrorOptions {
  readonly cause?: unknown;
  /** The consequence as a whole sentence, when "<what> could not be saved" says too little. */
  readonly consequence?: string;
}

/** IndexedDB cannot be opened or used on this browser, for this site. */
export class StorageUnavailableError extends FieldflashError {
  readonly code = 'storage-unavailable';
  /** The browser's own error (name: message), for support. */
  readonly detail: string;
  constructor(
    /** What was not saved or read, as a noun phrase: "the firmware list", "the update log". */
    readonly what: string,
    options: StorageErrorOptions = {},
  ) {
    super(
      `This browser's storage cannot be used (a private window, or site data blocked or cleared): ${options.consequence ?? `${what} could not be saved or read.`}`,
      { cause: options.cause },
    );
    this.detail = describe(options.cause);
  }
}

/** The browser refused to store more for this site (QuotaExceededError). */
export class StorageFullError extends FieldflashError {
  readonly code = 'storage-full';
  readonly detail: string;
  constructor(
    readonly what: string,
    options: StorageErrorOptions = {},
  ) {
    super(
      `The phone's storage for fieldflash is full: ${options.consequence ?? `${what} could not be saved.`} Free space on the phone, or remove cached firmware in fieldflash, then try again.`,
      { cause: options.cause },
    );
    this.detail = describe(options.cause);
  }
}

/**
 * Any storage failure as one of the two typed errors: full when the browser
 * says quota (also as the error of an aborted transaction), unavailable
 * otherwise (open refused, no IndexedDB at all, the database closed under
 * us). Fieldflash's own typed errors pass through unchanged.
 */
export function storageError(error: unknown, what: string, consequence?: string): Error {
  if (error instanceof FieldflashError) return error;
  const options = consequence === undefined ? { cause: error } : { cause: error, consequence };
  return errorName(error) === 'QuotaExceededError'
    ? new StorageFullError(what, options)
    : new StorageUnavailableError(what, options);
}

function errorName(error: unknown): string | null {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : null;
}

function describe(cause: unknown): string {
  if (cause === undefined) return '';
  const name = errorName(cause) ?? 'Error';
  const message: unknown =
    typeof cause === 'object' && cause !== null && 'message' in cause ? cause.message : null;
  return typeof message === 'string' && message !== '' ? `${name}: ${message}` : name;
}
