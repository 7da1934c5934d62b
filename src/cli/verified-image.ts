/**
 * Reading an image file and verifying it before anything is sent, for the
 * device commands that send one (`upload`; `update` leaves the check to the
 * engine): an invalid image is printed with its reason and the command stops
 * (exit 1).
 * @module
 */
import { FieldflashError } from '../core/errors.ts';
import {
  readImageFile,
  verifyImage,
  type ImageInvalid,
  type ImageOk,
} from '../core/image/index.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import { printJson, type CliContext } from './context.ts';
import { InFileError } from './errors.ts';
import { describeInvalid } from './format.ts';
import { readInput } from './io.ts';

/** The image file's bytes (binary or Intel HEX), errors naming the file. */
export async function readImage(file: string): Promise<Uint8Array> {
  try {
    return readImageFile(await readInput(file)).bytes;
  } catch (err) {
    if (err instanceof FieldflashError && !(err instanceof InFileError))
      throw new InFileError(file, err);
    throw err;
  }
}

/** Prints an invalid image's verdict and that nothing was sent. */
export function reportInvalid(
  command: string,
  file: string,
  verdict: ImageInvalid,
  ctx: CliContext,
): void {
  if (ctx.json) printJson(ctx, verdict);
  else ctx.out(describeInvalid(file, verdict));
  ctx.err(`fieldflash ${command}: not sent: ${file} failed verification\n`);
}

/** The image's bytes and verdict, or null when it failed (already reported). */
export async function readVerifiedImage(
  command: string,
  file: string,
  keys: readonly TrustedKey[],
  ctx: CliContext,
): Promise<{ bytes: Uint8Array; verdict: ImageOk } | null> {
  const bytes = await readImage(file);
  const verdict = await verifyImage(bytes, keys, { subtle: ctx.subtle });
  if (verdict.ok) return { bytes, verdict };
  reportInvalid(command, file, verdict, ctx);
  return null;
}
