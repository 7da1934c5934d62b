/**
 * One release entry of a feed, checked field by field. Everything the app
 * later trusts blindly is checked here: the hashes it compares with the
 * downloaded file and the device's slots, the size it allocates, the
 * versions it orders by, the URL it fetches.
 * @module
 */
import { formatVersion, parseVersion } from '../image/version.ts';
import { FeedMalformedError } from './errors.ts';
import {
  expectObject,
  field,
  join,
  readInteger,
  readOptionalString,
  readString,
  type JsonObject,
} from './fields.ts';
import type { Release, ReleaseMatch } from './types.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** SHA-256, SHA-384 or SHA-512: the image hash TLVs MCUboot knows. */
const IMAGE_HASH_HEX = /^[0-9a-f]{64}(?:[0-9a-f]{32}){0,2}$/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The canonical `1.2.3+4` form of a version field, or a FeedMalformedError. */
export function canonicalVersion(text: string, path: string): string {
  if (text.trim() !== text) throw new FeedMalformedError(path, 'has spaces around the version');
  try {
    return formatVersion(parseVersion(text));
  } catch {
    throw new FeedMalformedError(path, `"${text}" is not an MCUboot version (like 1.2.3+4)`);
  }
}

function readHex(obj: JsonObject, name: string, at: string, pattern: RegExp): string {
  const text = readString(obj, name, at);
  if (!pattern.test(text)) {
    const lengths = pattern === SHA256_HEX ? '64' : '64, 96 or 128';
    throw new FeedMalformedError(join(at, name), `expected ${lengths} lowercase hex digits`);
  }
  return text;
}

function readFileUrl(obj: JsonObject, at: string): string {
  const file = readString(obj, 'file', at);
  // Relative URLs resolve against the feed's (signed) location; an absolute
  // one must not downgrade to plain http or point at data:/javascript: URLs.
  if (URL_SCHEME.test(file) && !/^https:\/\/./i.test(file)) {
    throw new FeedMalformedError(
      join(at, 'file'),
      'must be relative to the feed, or an https:// URL',
    );
  }
  return file;
}

function readMatch(obj: JsonObject, at: string): ReleaseMatch {
  const path = join(at, 'match');
  const value = field(obj, 'match');
  if (value === undefined) throw new FeedMalformedError(path, 'missing');
  const match = expectObject(value, path);
  const board = readOptionalString(match, 'board', path);
  const bleNamePrefix = readOptionalString(match, 'bleNamePrefix', path);
  if (board === undefined && bleNamePrefix === undefined) {
    throw new FeedMalformedError(path, 'needs a board or a bleNamePrefix');
  }
  return {
    ...(board === undefined ? {} : { board }),
    ...(bleNamePrefix === undefined ? {} : { bleNamePrefix }),
  };
}

export function parseRelease(value: unknown, at: string): Release {
  const obj = expectObject(value, at);
  const version = readString(obj, 'version', at);
  canonicalVersion(version, join(at, 'version'));
  const minVersion = readOptionalString(obj, 'minVersion', at);
  if (minVersion !== undefined) canonicalVersion(minVersion, join(at, 'minVersion'));
  return {
    product: readString(obj, 'product', at),
    match: readMatch(obj, at),
    version,
    file: readFileUrl(obj, at),
    size: readInteger(obj, 'size', at, 1),
    sha256: readHex(obj, 'sha256', at, SHA256_HEX),
    imageHash: readHex(obj, 'imageHash', at, IMAGE_HASH_HEX),
    notes: readString(obj, 'notes', at, { empty: true, multiline: true }),
    channel: readString(obj, 'channel', at),
    ...(minVersion === undefined ? {} : { minVersion }),
  };
}

/** What makes two entries the same release: a product's version on a channel. */
export function releaseKey(release: Release): string {
  return JSON.stringify([
    release.product,
    formatVersion(parseVersion(release.version)),
    release.channel,
  ]);
}
