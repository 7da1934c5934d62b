/**
 * ../shared/vectors/smp/golden.json: SMP frames between JPHutchins/smp +
 * smpclient and real Zephyr 4.4.0 servers, read in place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DIR } from './shared.ts';

export const SMP_DIR = join(SHARED_DIR, 'vectors', 'smp');
export const hasSmpVectors = existsSync(join(SMP_DIR, 'golden.json'));

if (!hasSmpVectors) {
  console.warn(
    `\n*** SKIPPED: SMP golden frames not found at ${SMP_DIR}; the SMP conformance suites were not run. ***\n`,
  );
}

export interface GoldenEntry {
  name: string;
  pair?: string;
  direction: 'request' | 'response';
  group: number;
  command: number;
  op: number;
  seq: number;
  version: number;
  flags?: number;
  length?: number;
  fields: Record<string, unknown>;
  fields_bytes_paths?: string[];
  cbor_encoding?: string;
  cbor_hex?: string;
  frame_hex?: string;
  serial_lines: string[];
  serial_lines_hex: string[];
  rx_stream?: string;
  malformed?: boolean;
  mutation?: string;
  base_frame_hex?: string;
  peer_behaviour?: Record<string, unknown>;
}

export interface Golden {
  entries: GoldenEntry[];
  upload_image: { size: number; sha256: string; image_hash_tlv: string; hex: string };
}

export function loadGolden(): Golden {
  if (!hasSmpVectors)
    return { entries: [], upload_image: { size: 0, sha256: '', image_hash_tlv: '', hex: '' } };
  return JSON.parse(readFileSync(join(SMP_DIR, 'golden.json'), 'utf8')) as Golden;
}

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
export const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** Turns decoded CBOR into the golden's JSON form: byte strings as lowercase hex. */
export function asGoldenJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(asGoldenJson);
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asGoldenJson(v)]));
  }
  return value;
}
