/**
 * `fieldflash getpub KEY`: the public half of a key, in the forms firmware
 * and tools need: SPKI PEM (default), the raw bytes MCUboot embeds, or its
 * hash (= the KEYHASH TLV, `imgtool getpubhash`).
 * @module
 */
import { bytesToHex } from '../../core/bytes.ts';
import { encodePem } from '../../core/keys/index.ts';
import { parseCommandArgs, requireOne, str } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { writeOutput } from '../io.ts';
import { loadTrustedKey } from '../keys.ts';

export const GETPUB_HELP = `usage: fieldflash getpub [-e pem|raw|hash] [-o FILE] KEY

Prints the public key of KEY (a private or public key file).
  -e, --encoding pem    SubjectPublicKeyInfo PEM (default)
                 raw    the bytes MCUboot embeds (SPKI DER; PKCS#1 DER for RSA);
                        hex on stdout, binary with -o
                 hash   SHA-256 of those bytes: the KEYHASH TLV value, hex
  -o, --output FILE     write to FILE instead of stdout
      --json            all of the above as JSON`;

export async function getpubCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('getpub', argv, {
    encoding: { type: 'string', short: 'e' },
    output: { type: 'string', short: 'o' },
  });
  const path = requireOne('getpub', positionals, 'key file');
  const encoding = str(values.encoding) ?? 'pem';
  if (!['pem', 'raw', 'hash'].includes(encoding))
    throw new UsageError('getpub: --encoding must be pem, raw or hash');
  const key = await loadTrustedKey(path);
  const pem = encodePem('PUBLIC KEY', key.spki);
  if (ctx.json) {
    printJson(ctx, {
      type: key.type,
      keyId: key.keyId,
      fingerprint: key.fingerprint,
      keyHashSha256: key.fingerprint,
      embeddedHex: bytesToHex(key.embedded),
      publicKeyPem: pem,
    });
    return EXIT.ok;
  }
  const output = str(values.output);
  const text =
    encoding === 'pem'
      ? pem
      : encoding === 'hash'
        ? key.fingerprint + '\n'
        : bytesToHex(key.embedded) + '\n';
  if (output) await writeOutput(output, encoding === 'raw' ? key.embedded : text);
  else ctx.out(text);
  return EXIT.ok;
}
