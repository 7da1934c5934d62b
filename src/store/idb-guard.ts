/**
 * IndexedDB failures as typed errors a technician can act on: a full disk
 * (QuotaExceededError) and a browser that will not open the database at all
 * (private windows on some browsers, storage blocked by settings).
 * @module
 */
import { StorageFullError, StorageUnavailableError } from './errors.ts';

export async function guardStorage<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'QuotaExceededError') throw new StorageFullError(what, { cause: error });
    if (
      name === 'InvalidStateError' ||
      name === 'SecurityError' ||
      name === 'UnknownError' ||
      (error instanceof ReferenceError && /indexedDB/.test(error.message))
    )
      throw new StorageUnavailableError(what, { cause: error });
    throw error;
  }
}
