/**
 * File access for the CLI: reads with errors that name the file and say what
 * is wrong in words, and writes that never leave a partial file behind (write
 * to a temporary file beside the target, then rename).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileError } from './errors.ts';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists (use --force to overwrite)',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
};

function describe(err: unknown): string {
  const code = (err as { code?: string }).code;
  return (code && REASONS[code]) ?? (err as Error).message;
}

/** Largest file read: far above any MCUboot slot, and it stops `/dev/zero`-style inputs. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export async function readInput(path: string): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new FileError(path, `cannot read: ${describe(err)}`, { cause: err });
  }
  if (info.isDirectory()) throw new FileError(path, `cannot read: ${REASONS['EISDIR']}`);
  if (!info.isFile())
    throw new FileError(path, 'cannot read: not a regular file (a device, pipe or socket)');
  if (info.size > MAX_INPUT_BYTES) {
    throw new FileError(
      path,
      `is ${info.size} bytes; fieldflash reads files of at most ${MAX_INPUT_BYTES} bytes`,
    );
  }
  try {
    const data = await readFile(path);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    throw new FileError(path, `cannot read: ${describe(err)}`, { cause: err });
  }
}

/**
 * Writes `data` to `path` atomically. With `exclusive`, an existing file is an
 * error rather than overwritten (keys are not clobbered by accident).
 */
export async function writeOutput(
  path: string,
  data: Uint8Array | string,
  options: { mode?: number; exclusive?: boolean } = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let reserved = false;
  try {
    if (options.exclusive) {
      // Reserve the name first: 'wx' fails if it exists, without a race against rename.
      await writeFile(path, '', { flag: 'wx', mode: options.mode ?? 0o644 });
      reserved = true;
    }
    await writeFile(temp, data, { mode: options.mode ?? 0o644 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    if (reserved) await rm(path, { force: true });
    throw new FileError(path, `cannot write: ${describe(err)}`, { cause: err });
  }
}

/** A display name for a key file: its base name without extensions (`root-ed25519.pub.pem` → `root-ed25519`). */
export function keyNameFromPath(path: string): string {
  return basename(path).replace(/(\.pub)?\.(pem|der|raw|key|bin)$/i, '') || basename(path);
}
