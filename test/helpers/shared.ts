/**
 * Locates ../shared (beside the repo root) and its vectors, which tests read
 * in place (never copied into the repo). Where it is absent (a clone
 * elsewhere) the conformance suites are reported as skipped, with a banner
 * saying so; FIELDFLASH_SHARED points at another copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR =
  process.env['FIELDFLASH_SHARED'] ?? fileURLToPath(new URL('../../../shared/', import.meta.url));
export const MCUBOOT_DIR = join(SHARED_DIR, 'vectors', 'mcuboot');
export const hasMcubootVectors = existsSync(join(MCUBOOT_DIR, 'vectors.json'));

if (!hasMcubootVectors) {
  console.warn(
    `\n*** SKIPPED: MCUboot conformance vectors not found at ${MCUBOOT_DIR}; ` +
      `the imgtool vector suites were not run (set FIELDFLASH_SHARED to the shared/ folder). ***\n`,
  );
}

export interface VectorTlv {
  type: number;
  name: string;
  len: number;
  offset: number;
  protected: boolean;
}

export interface McubootVector {
  id: string;
  file: string;
  format: 'bin' | 'ihex';
  hex_base_address: number | null;
  key: string | null;
  key_name: string | null;
  signing_key: string | null;
  expect: 'valid' | 'invalid';
  reason: string | null;
  acceptable_reasons: string[];
  version: string;
  version_fields: { major: number; minor: number; revision: number; build: number };
  header_size: number;
  image_size: number;
  protected_tlv_size: number;
  load_addr: number;
  flags: number;
  flag_names: string[];
  hash_alg: 'SHA256' | 'SHA512';
  hash_hex: string;
  hash_sha256_hex: string | null;
  sig_type: string | null;
  pure: boolean;
  public_key_format: 'hash' | 'full';
  payload: { file: string; size: number; body_offset: number };
  file_size: number;
  padded_to_slot: boolean;
  bootable?: boolean;
  layout: {
    prot_tlv_info_offset: number | null;
    tlv_info_offset: number;
    tlv_end: number;
    tlvs: VectorTlv[];
  };
  options: string;
  imgtool_dumpinfo?: {
    tlv_area: {
      tlvs_prot: { type: number; data: string }[];
      tlvs: { type: number; data: string }[];
    };
    trailer: Record<string, unknown>;
  };
}

export function loadVectors(): McubootVector[] {
  if (!hasMcubootVectors) return [];
  return JSON.parse(readFileSync(join(MCUBOOT_DIR, 'vectors.json'), 'utf8')) as McubootVector[];
}

export function vectorFile(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(MCUBOOT_DIR, rel)));
}
