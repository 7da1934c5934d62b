/**
 * Conformance against images made by MCUboot's own imgtool
 * (../shared/vectors/mcuboot): every (image, key) entry of vectors.json, read
 * in place; keys loaded in each form the vectors ship (PEM, DER, raw).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readImageFile,
  verifyImage,
  type ImageVerdict,
  type SignatureType,
} from '../../../src/core/image/index.ts';
import { parsePublicKey, trustKey } from '../../../src/core/keys/index.ts';
import { subtle } from '../../helpers/crypto.ts';
import {
  hasMcubootVectors,
  loadVectors,
  MCUBOOT_DIR,
  vectorFile,
  type McubootVector,
} from '../../helpers/shared.ts';

const vectors = loadVectors();

const SIG_TYPES: Record<string, SignatureType> = {
  ED25519: 'ed25519',
  ECDSA256_SHA256: 'ecdsa-p256',
  PKCS1_PSS_RSA2048_SHA256: 'rsa-2048-pss',
  PKCS1_PSS_RSA3072_SHA256: 'rsa-3072-pss',
};

function imageBytes(v: McubootVector): Uint8Array {
  const file = readImageFile(vectorFile(v.file));
  expect(file.format).toBe(v.format);
  if (v.format === 'ihex') expect(file.baseAddress).toBe(v.hex_base_address);
  return file.bytes;
}

/** The forms a vector's trusted key ships in: PEM always, plus .pub.der and .pub.raw. */
function keyForms(v: McubootVector): { form: string; bytes: Uint8Array }[] {
  if (!v.key) return [{ form: 'none', bytes: new Uint8Array() }];
  const forms = [{ form: 'pem', bytes: vectorFile(v.key) }];
  for (const ext of ['der', 'raw']) {
    const rel = `keys/${v.key_name}.pub.${ext}`;
    if (existsSync(join(MCUBOOT_DIR, rel))) forms.push({ form: ext, bytes: vectorFile(rel) });
  }
  return forms;
}

const results: { id: string; expect: string; got: string; exact: boolean }[] = [];

describe.skipIf(!hasMcubootVectors)('MCUboot imgtool vectors', () => {
  it('has the vector set described in meta.json (15 valid, 23 invalid)', () => {
    expect(vectors.filter((v) => v.expect === 'valid')).toHaveLength(15);
    expect(vectors.filter((v) => v.expect === 'invalid')).toHaveLength(23);
  });

  describe.each(vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    it.each(keyForms(v).map((k) => [k.form, k] as const))(
      `${v.expect} with the key as %s`,
      async (_form, key) => {
        const trusted = v.key ? [trustKey(parsePublicKey(key.bytes), v.key_name ?? 'key')] : [];
        const verdict: ImageVerdict = await verifyImage(imageBytes(v), trusted, { subtle });
        if (v.expect === 'valid') {
          if (!verdict.ok)
            throw new Error(`${v.id}: expected valid, got ${verdict.reason}: ${verdict.detail}`);
          expect(verdict.version).toEqual(v.version_fields);
          expect(verdict.versionText).toBe(v.version);
          expect(verdict.hashAlg).toBe(v.hash_alg.toLowerCase());
          expect(verdict.imageHash).toBe(v.hash_hex);
          expect(verdict.sha256).toBe(v.hash_sha256_hex);
          expect(verdict.loadAddr).toBe(v.load_addr);
          expect(verdict.flags).toBe(v.flags);
          expect(verdict.flagNames).toEqual(v.flag_names);
          expect(verdict.bootable).toBe(v.bootable ?? true);
          const l = verdict.layout;
          expect([l.headerSize, l.bodySize, l.protectedTlvSize]).toEqual([
            v.header_size,
            v.image_size,
            v.protected_tlv_size,
          ]);
          expect([l.protectedInfoOffset, l.tlvInfoOffset, l.tlvEnd]).toEqual([
            v.layout.prot_tlv_info_offset,
            v.layout.tlv_info_offset,
            v.layout.tlv_end,
          ]);
          expect(l.tlvs.map((t) => [t.type, t.len, t.offset, t.protected])).toEqual(
            v.layout.tlvs.map((t) => [t.type, t.len, t.offset, t.protected]),
          );
          // Security counter and dependencies, against imgtool dumpinfo's protected TLVs.
          const prot = v.imgtool_dumpinfo?.tlv_area.tlvs_prot ?? [];
          const secCnt = prot.find((t) => t.type === 0x50);
          expect(verdict.securityCounter).toBe(
            secCnt ? Buffer.from(secCnt.data, 'hex').readUInt32LE(0) : null,
          );
          expect(verdict.dependencies).toHaveLength(prot.filter((t) => t.type === 0x40).length);
          expect(verdict.trailer !== null).toBe(v.padded_to_slot);
          if (v.padded_to_slot) expect(verdict.trailer?.slotSize).toBe(v.file_size);
          if (v.sig_type) {
            expect(verdict.signature?.type).toBe(v.pure ? 'ed25519-pure' : SIG_TYPES[v.sig_type]);
            expect(verdict.signature?.checked).toBe(true);
            expect(verdict.signature?.signer?.name).toBe(v.key_name);
            expect(verdict.signature?.signer?.matchedBy).toBe(
              v.public_key_format === 'full' ? 'pubkey' : 'keyhash',
            );
          } else {
            expect(verdict.signature).toBeNull();
          }
          results.push({ id: v.id, expect: 'valid', got: 'valid', exact: true });
        } else {
          if (verdict.ok) throw new Error(`${v.id}: expected ${v.reason}, got valid`);
          expect(v.acceptable_reasons).toContain(verdict.reason);
          expect(verdict.detail.length).toBeGreaterThan(10);
          results.push({
            id: v.id,
            expect: v.reason ?? '',
            got: verdict.reason,
            exact: verdict.reason === v.reason,
          });
        }
      },
    );
  });

  it('names the bootloader-order reason for every invalid entry, not only an acceptable one', async () => {
    for (const v of vectors.filter((x) => x.expect === 'invalid')) {
      const trusted = v.key
        ? [trustKey(parsePublicKey(vectorFile(v.key)), v.key_name ?? 'key')]
        : [];
      const verdict = await verifyImage(imageBytes(v), trusted, { subtle });
      expect.soft(verdict.ok ? 'valid' : verdict.reason, v.id).toBe(v.reason);
    }
  });

  afterAll(() => {
    const exact = results.filter((r) => r.exact).length;
    console.log(
      `MCUboot vectors: ${results.length} (entry, key form) checks, ${exact} with the exact expected verdict`,
    );
  });
});
