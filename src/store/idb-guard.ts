/**
 * Runs one storage operation and turns a browser storage failure into the
 * typed errors of ./errors.ts (full, or unavailable), saying what was not
 * saved or read.
 * @module
 */
import { storageError } from './errors.ts';

export async function guardStorage<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw storageError(error, what);
  }
}
