/**
 * What can go wrong with the update log and its sync: typed, with a stable
 * `code`, a sentence for the technician and the data behind it. None of them
 * means an entry was dropped: each says what was kept and what to do.
 * @module
 */
import { FieldflashError } from '../errors.ts';

/** The app handed the log a draft with a field it cannot record (a bug, not a field condition). */
export class LogEntryInvalidError extends FieldflashError {
  readonly code = 'log-entry-invalid';
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(
      `This update attempt could not be added to the update log: its field "${field}" is not valid (${describe(value)}).`,
    );
  }
}

/**
 * The stored log does not add up (its head disagrees with its last entry, or
 * an entry cannot be read): it was changed outside fieldflash or damaged.
 * Nothing is written over it; the problem is reported instead.
 */
export class LogDamagedError extends FieldflashError {
  readonly code = 'log-damaged';
  constructor(
    readonly detail: string,
    readonly seq: number,
  ) {
    super(
      `The update log on this phone is damaged (${detail}), so fieldflash leaves it as it is and adds nothing to it. Export the log to keep what it holds, then report this.`,
    );
  }
}

/** The configured sync endpoint is not one the log may be sent to. */
export class SyncEndpointError extends FieldflashError {
  readonly code = 'log-sync-endpoint';
  constructor(
    readonly endpoint: string,
    readonly reason: string,
  ) {
    super(
      `The update log is not sent to "${endpoint}": ${reason}. Configure an https:// address. Nothing was sent; the log stays on this phone.`,
    );
  }
}

/** The server answered with a status that retrying will not change (4xx other than 408/429, a redirect). */
export class SyncRejectedError extends FieldflashError {
  readonly code = 'log-sync-rejected';
  constructor(
    readonly status: number,
    readonly body: string,
    readonly firstSeq: number,
  ) {
    super(
      `The log server refused the update log (HTTP ${status}${body ? `: ${body}` : ''}). Nothing was lost: entries from #${firstSeq} on stay on this phone and are sent once the server accepts them. Check the server's address and configuration.`,
    );
  }
}

/** Sync gave up after the number of attempts it was allowed (the server or the network stayed down). */
export class SyncGaveUpError extends FieldflashError {
  readonly code = 'log-sync-unreachable';
  constructor(
    readonly attempts: number,
    readonly lastError: string,
    readonly firstSeq: number,
  ) {
    super(
      `The log server could not be reached after ${attempts} attempts (${lastError}). Nothing was lost: entries from #${firstSeq} on stay on this phone and are sent next time.`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  return typeof value;
}
