/**
 * ../shared/vectors/smp/golden.json: SMP frames between JPHutchins/smp +
 * smpclient and real Zephyr 4.4.0 servers, read in place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signImage } from '../../src/core/image/index.ts';
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

/**
 * A stand-in for the primary image the qemu fixture ran: v0.0.0 whose SHA256
 * TLV reads what Zephyr listed (1baa2220…). Its body is not the original, so
 * MCUboot would not boot it: the device is started with `startApp()`.
 */
export async function goldenStandInPrimary(golden: Golden): Promise<Uint8Array> {
  const running = golden.entries.find((e) => e.name === 'img_state_read_one_slot_response');
  const want = fromHex((running?.fields.images as { hash: string }[] | undefined)?.[0]?.hash ?? '');
  const signed = await signImage(new Uint8Array(32 + 1024), null, {
    version: { major: 0, minor: 0, revision: 0, build: 0 },
    headerSize: 32,
    slotSize: 0x1a000,
  });
  const bytes = Uint8Array.from(signed.image);
  bytes.set(want, Buffer.from(bytes).indexOf(Buffer.from(signed.hash)));
  return bytes;
}
