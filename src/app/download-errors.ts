/**
 * What can go wrong fetching a release feed or a firmware image for the
 * offline cache. Each says what to do; none leaves anything half-stored.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';

/** The server could not be reached, or answered with an error status. */
export class DownloadError extends FieldflashError {
  readonly code = 'download-failed';
  constructor(
    readonly url: string,
    /** The HTTP status, or null when there was no answer (offline, DNS, CORS). */
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(
      status === null
        ? `Could not reach ${url} (offline, or the server does not allow this app to read it). Firmware already saved on this phone still works.`
        : `The server answered ${status} for ${url}; nothing was saved.`,
      options,
    );
  }
}

/** The file's size is not the size the feed promised. */
export class DownloadSizeError extends FieldflashError {
  readonly code = 'download-size';
  constructor(
    readonly url: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(
      `${url} is ${got > expected ? 'larger' : 'smaller'} than the release feed says (${got} instead of ${expected} bytes); it was not saved.`,
    );
  }
}

/** The file's SHA-256 is not the one the signed feed lists. */
export class DownloadHashError extends FieldflashError {
  readonly code = 'download-hash-mismatch';
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(
      `${url} is not the file the signed release feed lists (SHA-256 differs); it was not saved. The server may be serving a wrong or altered file.`,
    );
  }
}

/** The image is genuine, but not the release the feed describes (version or image hash). */
export class ReleaseMismatchError extends FieldflashError {
  readonly code = 'release-mismatch';
  constructor(
    readonly field: 'version' | 'imageHash',
    readonly expected: string,
    readonly got: string,
  ) {
    super(
      `The downloaded image's ${field === 'version' ? 'version' : 'image hash'} is ${got}, but the release feed says ${expected}; it was not saved.`,
    );
  }
}

/** The image failed MCUboot signature verification against the trusted keys. */
export class ImageNotGenuineError extends FieldflashError {
  readonly code = 'image-not-genuine';
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`The downloaded image is not genuine (${reason}: ${detail}); it was not saved.`);
  }
}

/** A cached image no longer matches what was stored (the phone's storage changed it). */
export class CacheCorruptError extends FieldflashError {
  readonly code = 'cache-corrupt';
  constructor(readonly sha256: string) {
    super(
      'The firmware saved on this phone has changed since it was stored; it will not be used. Remove it and make it available offline again.',
    );
  }
}
