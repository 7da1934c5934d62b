/**
 * `fieldflash sign` run with the exact imgtool command line of every valid
 * vector, on the same inputs: byte-identical output where signing is
 * deterministic (unsigned, Ed25519), and identical but for the signature
 * bytes for ECDSA and RSA (randomised by imgtool).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImage, readImageFile, SIGNATURE_TLVS } from '../../../src/core/image/index.ts';
import { runCli, shellSplit } from '../../helpers/cli.ts';
import { hasMcubootVectors, loadVectors, MCUBOOT_DIR } from '../../helpers/shared.ts';

const valid = loadVectors().filter((v) => v.expect === 'valid');
const out = mkdtempSync(join(tmpdir(), 'ff-identity-'));

function ourArgs(options: string, outFile: string): string[] {
  const words = shellSplit(options);
  expect(words.slice(0, 2)).toEqual(['imgtool', 'sign']);
  const args = words.slice(2);
  // The last two words are INFILE and OUTFILE; keys are relative to the vectors folder too.
  const input = join(MCUBOOT_DIR, args[args.length - 2] ?? '');
  const rewritten = args
    .slice(0, -2)
    .map((a, i, all) => (all[i - 1] === '--key' ? join(MCUBOOT_DIR, a) : a));
  return ['sign', ...rewritten, input, outFile];
}

function load(path: string): Uint8Array {
  return readImageFile(new Uint8Array(readFileSync(path))).bytes;
}

describe.skipIf(!hasMcubootVectors)('fieldflash sign reproduces imgtool sign', () => {
  it.each(valid.map((v) => [v.id, v] as const))('%s', async (_id, v) => {
    const ext = v.format === 'ihex' ? 'hex' : 'bin';
    const target = join(out, `${v.id}.${ext}`);
    const run = await runCli(...ourArgs(v.options, target));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ours = readFileSync(target);
    const theirs = readFileSync(join(MCUBOOT_DIR, v.file));
    const deterministic = v.sig_type === null || v.sig_type === 'ED25519';
    if (deterministic) {
      // Whole file, including the Intel HEX text and any padding/trailer.
      expect(Buffer.compare(ours, theirs)).toBe(0);
      return;
    }
    const a = parseImage(load(target));
    const b = parseImage(load(join(MCUBOOT_DIR, v.file)));
    if (!a.ok || !b.ok) throw new Error('both images must parse');
    // Header, body and protected TLVs (the whole signed region) are identical.
    expect(a.image.hashedLength).toBe(b.image.hashedLength);
    expect(
      Buffer.compare(
        a.image.bytes.subarray(0, a.image.hashedLength),
        b.image.bytes.subarray(0, b.image.hashedLength),
      ),
    ).toBe(0);
    // Same TLVs in the same order; equal values except the (randomised) signature.
    expect(a.image.tlvs.map((t) => t.type)).toEqual(b.image.tlvs.map((t) => t.type));
    a.image.tlvs.forEach((t, i) => {
      const u = b.image.tlvs[i];
      if (!SIGNATURE_TLVS.has(t.type))
        expect(Buffer.compare(t.value, u?.value ?? new Uint8Array())).toBe(0);
      else
        expect(t.len).toBe(
          v.sig_type === 'ECDSA256_SHA256' && !v.options.includes('--pad-sig') ? t.len : u?.len,
        );
    });
    // Same size (an unpadded ECDSA DER signature is 70-72 bytes, so ±2) and, padded, the same trailer.
    const variableDer =
      v.sig_type === 'ECDSA256_SHA256' && !v.padded_to_slot && !v.options.includes('--pad-sig');
    expect(Math.abs(ours.length - theirs.length)).toBeLessThanOrEqual(variableDer ? 2 : 0);
    if (v.padded_to_slot) {
      const from = Math.max(a.image.layout.tlvEnd, b.image.layout.tlvEnd);
      expect(Buffer.compare(ours.subarray(from), theirs.subarray(from))).toBe(0);
    }
  });
});
