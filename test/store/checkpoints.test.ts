/**
 * The checkpoint stores: a file per device for the CLI (written whole or not
 * at all), IndexedDB through idb-keyval for the browser (here on
 * fake-indexeddb; the real one runs in the browser tests), and the keeper
 * that throttles progress writes.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CHECKPOINT_SCHEMA,
  checkpointKey,
  type CheckpointStore,
  type UpdateCheckpoint,
  type UpdateEvent,
} from '../../src/core/update/index.ts';
import { CheckpointKeeper } from '../../src/engine/checkpoint-keeper.ts';
import {
  checkpointFileName,
  defaultCheckpointDir,
  fileCheckpointStore,
} from '../../src/store/checkpoints-file.ts';
import { idbCheckpointStore } from '../../src/store/checkpoints-idb.ts';
import { memoryCheckpointStore } from '../../src/store/checkpoints-memory.ts';

afterEach(() => vi.useRealTimers());

const record: UpdateCheckpoint = {
  schema: CHECKPOINT_SCHEMA,
  device: 'serial:/dev/serial/by-id/usb-ZEPHYR_0123-if00',
  imageIndex: 0,
  slot: 1,
  imageSha: 'ab'.repeat(32),
  imageHash: 'cd'.repeat(32),
  version: '2.0.0+0',
  size: 1000,
  acked: 500,
  mode: 'test-and-confirm',
  phase: 'upload',
  runningHash: null,
  resumes: 1,
  startedAt: 1,
  updatedAt: 2,
};
const KEY = checkpointKey(record.device, 0);

async function roundTrip(store: CheckpointStore) {
  expect(await store.get(KEY)).toBeUndefined();
  await store.set(KEY, record);
  expect(await store.get(KEY)).toEqual(record);
  await store.set(KEY, { ...record, acked: 900 });
  expect(await store.get(KEY)).toMatchObject({ acked: 900 });
  await store.delete(KEY);
  expect(await store.get(KEY)).toBeUndefined();
  await store.delete(KEY); // deleting nothing is fine
}

describe('file store (CLI)', () => {
  it('keeps, replaces and deletes one JSON file per device, with no temporary left', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ff-cp-')), 'checkpoints');
    const store = fileCheckpointStore(dir);
    await roundTrip(store);
    await store.set(KEY, record);
    expect(readdirSync(dir)).toEqual([checkpointFileName(KEY)]);
  });

  it('escapes a device name into one safe file name', () => {
    expect(checkpointFileName('serial:/dev/ttyACM0#0')).toBe('serial%3a%2fdev%2fttyACM0%230.json');
    expect(checkpointFileName('../../etc/passwd')).not.toContain('/');
  });

  it('hands back what is not JSON as text (the engine then discards it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cp-'));
    writeFileSync(join(dir, checkpointFileName(KEY)), '{"schema": 1, "trunc');
    expect(await fileCheckpointStore(dir).get(KEY)).toBe('{"schema": 1, "trunc');
  });

  it('lives under XDG_STATE_HOME, else ~/.local/state', () => {
    expect(defaultCheckpointDir({ XDG_STATE_HOME: '/x' })).toBe('/x/fieldflash/checkpoints');
    expect(defaultCheckpointDir({})).toMatch(/\.local\/state\/fieldflash\/checkpoints$/);
  });
});

describe('IndexedDB store (browser)', () => {
  it('keeps, replaces and deletes records in its own database', async () => {
    await roundTrip(idbCheckpointStore());
    const dbs = await indexedDB.databases();
    expect(dbs.map((d) => d.name)).toContain('fieldflash-checkpoints');
  });
});

describe('CheckpointKeeper', () => {
  it('writes progress at most once a second, phases at once, and the last state always', async () => {
    vi.useFakeTimers();
    const store = memoryCheckpointStore();
    const writes: UpdateCheckpoint[] = [];
    const counting: CheckpointStore = {
      ...store,
      set: (k, v) => {
        writes.push(v);
        return store.set(k, v);
      },
    };
    const keeper = new CheckpointKeeper(counting, { device: record.device, imageIndex: 0 }, () => {
      throw new Error('no warning expected');
    });
    keeper.start({ ...record, acked: 0 });
    for (let acked = 10; acked <= 1000; acked += 10) {
      keeper.note({ acked });
      await vi.advanceTimersByTimeAsync(25); // 100 answers in 2.5 s
    }
    await keeper.flush();
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.length).toBeLessThanOrEqual(5);
    keeper.note({ phase: 'mark' });
    await keeper.flush();
    expect(writes.at(-1)).toMatchObject({ phase: 'mark', acked: 1000 });
    keeper.clear();
    await keeper.flush();
    expect(store.records.size).toBe(0);
  });

  it('persist() writes the latest offset now (the link dropped)', async () => {
    const store = memoryCheckpointStore();
    const keeper = new CheckpointKeeper(store, { device: 'd', imageIndex: 0 }, () => undefined);
    keeper.start({ ...record, device: 'd', acked: 0 });
    keeper.note({ acked: 400 });
    keeper.note({ acked: 700 }); // throttled
    keeper.persist();
    await keeper.flush();
    expect(store.records.get(checkpointKey('d', 0))).toMatchObject({ acked: 700 });
  });

  it('a record it cannot trust is deleted and told; a failing store is told once', async () => {
    const store = memoryCheckpointStore(new Map([[checkpointKey('d', 0), { schema: 0 }]]));
    const events: UpdateEvent[] = [];
    const keeper = new CheckpointKeeper(store, { device: 'd', imageIndex: 0 }, (e) =>
      events.push(e),
    );
    expect(await keeper.load()).toBeNull();
    await keeper.flush();
    expect(store.records.size).toBe(0);
    expect(events).toEqual([expect.objectContaining({ code: 'checkpoint-discarded' })]);

    const broken: CheckpointStore = {
      get: () => Promise.reject(new Error('private mode')),
      set: () => Promise.reject(new Error('private mode')),
      delete: () => Promise.reject(new Error('private mode')),
    };
    const told: UpdateEvent[] = [];
    const k2 = new CheckpointKeeper(broken, { device: 'd', imageIndex: 0 }, (e) => told.push(e));
    expect(await k2.load()).toBeNull();
    k2.start(record);
    k2.note({ phase: 'mark' });
    await k2.flush();
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ code: 'checkpoint-not-saved' });
    expect((told[0] as { message: string }).message).toMatch(/private mode/);
  });
});
