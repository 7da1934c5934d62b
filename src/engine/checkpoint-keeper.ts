/**
 * Keeps one update's checkpoint in a CheckpointStore without ever slowing or
 * failing the update: writes go one at a time, progress is written at most
 * once a second (the latest value wins), phase changes at once, and a store
 * that fails (quota, private mode) is told once as a warning — the update goes
 * on, only a later run cannot say where it stopped.
 * @module
 */
import {
  checkpointKey,
  parseCheckpoint,
  type CheckpointStore,
  type UpdateCheckpoint,
  type UpdateEvent,
} from '../core/update/index.ts';

/** Progress is written at most this often. */
const PROGRESS_EVERY_MS = 1000;

export class CheckpointKeeper {
  readonly #store: CheckpointStore | undefined;
  readonly #key: string;
  readonly #tell: (event: UpdateEvent) => void;
  #current: UpdateCheckpoint | null = null;
  #writtenAt = -Infinity;
  /** The value waiting to be written (null: a delete), or undefined: nothing waits. */
  #pending: UpdateCheckpoint | null | undefined = undefined;
  #writing: Promise<void> | null = null;
  #warned = false;

  constructor(
    store: CheckpointStore | undefined,
    where: { readonly device: string; readonly imageIndex: number },
    tell: (event: UpdateEvent) => void,
  ) {
    this.#store = store;
    this.#key = checkpointKey(where.device, where.imageIndex);
    this.#tell = tell;
  }

  get current(): UpdateCheckpoint | null {
    return this.#current;
  }

  /** The stored checkpoint; a record this version cannot trust is deleted and told. */
  async load(): Promise<UpdateCheckpoint | null> {
    if (!this.#store) return null;
    let raw: unknown;
    try {
      raw = await this.#store.get(this.#key);
    } catch (error) {
      this.#failed(error);
      return null;
    }
    if (raw === undefined) return null;
    const checkpoint = parseCheckpoint(raw);
    if (!checkpoint) {
      this.#tell({
        type: 'warning',
        code: 'checkpoint-discarded',
        message: 'A saved update record could not be read and was discarded.',
      });
      this.#queue(null);
    }
    return checkpoint;
  }

  /** Starts keeping `checkpoint` (written now). */
  start(checkpoint: UpdateCheckpoint): void {
    this.#current = { ...checkpoint, updatedAt: Date.now() };
    this.#queue(this.#current);
  }

  /** Records a change; the device's offset alone is written at most once a second, anything else now. */
  note(change: Partial<Omit<UpdateCheckpoint, 'schema' | 'device'>>): void {
    if (!this.#current) return;
    const next: UpdateCheckpoint = { ...this.#current, ...change, updatedAt: Date.now() };
    this.#current = next;
    const progressOnly = Object.keys(change).every((k) => k === 'acked');
    if (progressOnly && Date.now() - this.#writtenAt < PROGRESS_EVERY_MS) {
      // A write under way takes the newest value with it; otherwise the next one will.
      if (this.#pending !== undefined) this.#pending = next;
      return;
    }
    this.#queue(next);
  }

  /** Writes the latest state now (the link dropped: the record should say where). */
  persist(): void {
    if (this.#current) this.#queue(this.#current);
  }

  /** The update is over (done, or the attempt cannot be taken up again): no record is left. */
  clear(): void {
    this.#current = null;
    this.#queue(null);
  }

  /** Waits until everything noted is written (or failed). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #queue(value: UpdateCheckpoint | null): void {
    if (!this.#store) return;
    this.#pending = value;
    this.#writtenAt = Date.now();
    this.#writing ??= this.#drain();
  }

  async #drain(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    while (this.#pending !== undefined) {
      const value = this.#pending;
      this.#pending = undefined;
      try {
        if (value === null) await store.delete(this.#key);
        else await store.set(this.#key, value);
      } catch (error) {
        this.#failed(error);
      }
    }
    this.#writing = null;
  }

  #failed(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    const why = error instanceof Error ? error.message : String(error);
    this.#tell({
      type: 'warning',
      code: 'checkpoint-not-saved',
      message: `Progress could not be saved (${why}); the update goes on, but if it is interrupted a later run will not know where it stopped.`,
    });
  }
}
