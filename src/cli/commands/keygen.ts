/**
 * `fieldflash keygen --type T -o KEY.pem`: a new signing key, PKCS#8 PEM,
 * mode 0600, never overwriting an existing file. Key generation is Node's
 * (OpenSSL's) CSPRNG and key generators.
 * @module
 */
import { generateKeyPairSync } from 'node:crypto';
import { KEY_TYPES, parsePrivateKey, trustKey, type KeyType } from '../../core/keys/index.ts';
import { parseCommandArgs, str } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { writeOutput } from '../io.ts';

export const KEYGEN_HELP = `usage: fieldflash keygen --type ed25519|ecdsa-p256|rsa-2048|rsa-3072 -o KEY.pem

Generates a private signing key (PKCS#8 PEM, readable only by you). It will not
overwrite an existing file. Get the public half with \`fieldflash getpub KEY.pem\`.
  -t, --type TYPE     key type
  -o, --output FILE   where to write it (imgtool's -k/--key is accepted too)
      --json          print the key id and fingerprint as JSON`;

function generate(type: KeyType): string {
  const pair = () => {
    switch (type) {
      case 'ed25519':
        return generateKeyPairSync('ed25519');
      case 'ecdsa-p256':
        return generateKeyPairSync('ec', { namedCurve: 'P-256' });
      case 'rsa-2048':
      case 'rsa-3072':
        return generateKeyPairSync('rsa', {
          modulusLength: type === 'rsa-2048' ? 2048 : 3072,
          publicExponent: 65537,
        });
    }
  };
  return pair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export async function keygenCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('keygen', argv, {
    type: { type: 'string', short: 't' },
    output: { type: 'string', short: 'o' },
    key: { type: 'string', short: 'k' },
  });
  if (positionals.length) throw new UsageError(`keygen: unexpected argument ${positionals[0]}`);
  const type = str(values.type);
  if (!type || !KEY_TYPES.includes(type as KeyType)) {
    throw new UsageError(`keygen: --type must be one of ${KEY_TYPES.join(', ')}`);
  }
  const out = str(values.output) ?? str(values.key);
  if (!out) throw new UsageError('keygen: -o/--output FILE is required');
  const pem = generate(type as KeyType);
  const key = trustKey(parsePrivateKey(pem).publicKey, out);
  await writeOutput(out, pem, { mode: 0o600, exclusive: true });
  if (ctx.json)
    printJson(ctx, { ok: true, type, file: out, keyId: key.keyId, fingerprint: key.fingerprint });
  else
    ctx.out(
      `${out}: new ${type} key, key id ${key.keyId}, fingerprint SHA256:${key.fingerprint}\n`,
    );
  return EXIT.ok;
}
