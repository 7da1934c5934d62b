/**
 * `fieldflash verify [--key PUB]… IMAGE`: the image verdict. With keys, a
 * valid signature by one of them is required; without, the check is
 * hash-only (for unsigned images). `--json` prints the verdict object itself.
 * @module
 */
import { readImageFile, verifyImage } from '../../core/image/index.ts';
import { parseCommandArgs, requireOne, strs } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, InFileError } from '../errors.ts';
import { describeInvalid, describeValid } from '../format.ts';
import { readInput } from '../io.ts';
import { loadTrustedKey } from '../keys.ts';
import { FieldflashError } from '../../core/errors.ts';

export const VERIFY_HELP = `usage: fieldflash verify [--key PUBLIC_KEY]... IMAGE

Checks an MCUboot image (.bin or Intel .hex): structure, hash, and a signature
by one of the given keys. Without --key only the hash is checked.

  -k, --key FILE   trusted public key (PEM, DER or raw); repeat for several
      --json       print the verdict as JSON
exit: 0 valid, 1 invalid, 2 usage or file error`;

export async function verifyCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('verify', argv, {
    key: { type: 'string', short: 'k', multiple: true },
  });
  const file = requireOne('verify', positionals, 'image file');
  const keys = await Promise.all(strs(values.key).map(loadTrustedKey));
  const data = await readInput(file);
  let bytes: Uint8Array;
  try {
    bytes = readImageFile(data).bytes;
  } catch (err) {
    if (err instanceof FieldflashError) throw new InFileError(file, err);
    throw err;
  }
  const verdict = await verifyImage(bytes, keys, { subtle: ctx.subtle });
  if (ctx.json) printJson(ctx, verdict);
  else ctx.out(verdict.ok ? describeValid(file, verdict) : describeInvalid(file, verdict));
  return verdict.ok ? EXIT.ok : EXIT.rejected;
}
