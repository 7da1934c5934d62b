/**
 * Loading key files for commands, with errors that name the file.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';
import {
  parsePrivateKey,
  parsePublicKey,
  trustKey,
  type PrivateKey,
  type TrustedKey,
} from '../core/keys/index.ts';
import { InFileError } from './errors.ts';
import { keyNameFromPath, readInput } from './io.ts';

function inFile<T>(path: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof FieldflashError) throw new InFileError(path, err);
    throw err;
  }
}

export async function loadTrustedKey(path: string): Promise<TrustedKey> {
  const data = await readInput(path);
  return inFile(path, () => trustKey(parsePublicKey(data), keyNameFromPath(path)));
}

export async function loadPrivateKey(path: string): Promise<PrivateKey> {
  const data = await readInput(path);
  return inFile(path, () => parsePrivateKey(data));
}
