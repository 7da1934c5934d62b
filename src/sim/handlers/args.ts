/**
 * Request arguments as Zephyr's zcbor_map_decode_bulk takes them
 * (zcbor_bulk.c): unknown keys are skipped, a known key with the wrong type
 * fails the whole request (→ `{rc: 3}`), integers are unsigned and at most
 * 32 bits (`size_t`/`uint32_t` on the MCU).
 * @module
 */
import type { CborMap } from '../../core/smp/index.ts';
import { BadRequest } from '../server.ts';

export function textArg(body: CborMap, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`"${key}" must be a text string`);
  return v;
}

export function bytesArg(body: CborMap, key: string): Uint8Array | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw new BadRequest(`"${key}" must be a byte string`);
  return v;
}

export function boolArg(body: CborMap, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new BadRequest(`"${key}" must be a boolean`);
  return v;
}

export function uintArg(body: CborMap, key: string): number | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new BadRequest(`"${key}" must be an unsigned 32-bit integer`);
  return n;
}
