/**
 * "Devices updated this shift" (src/app/shift-counter.ts): today's
 * successful updates in the log (the technician's local day), plus a count
 * carried over from the schema-0 localStorage record `fieldflash.shift`,
 * which is migrated once into `fieldflash.shift.carried` and then removed —
 * but never removed when the new record could not be written.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogEntry, LogResult } from '../../src/core/log/index.ts';
import { carriedCount, devicesThisShift, type ShiftStorage } from '../../src/app/shift-counter.ts';

const LEGACY = 'fieldflash.shift';
const CARRIED = 'fieldflash.shift.carried';

afterEach(() => vi.unstubAllEnvs());

/** localStorage in memory; optionally refusing writes as a full browser storage does. */
class MemoryStorage implements ShiftStorage {
  readonly items = new Map<string, string>();
  constructor(
    initial: Record<string, string> = {},
    private readonly full = false,
  ) {
    for (const [k, v] of Object.entries(initial)) this.items.set(k, v);
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

let seq = 0;
function entry(time: Date, result: LogResult = 'updated'): LogEntry {
  seq++;
  return {
    schema: 1,
    seq,
    id: `id-${seq}`,
    prevHash: '0'.repeat(64),
    hash: 'a'.repeat(64),
    time: time.toISOString(),
    device: `serial:${seq}`,
    deviceName: `Pump ${seq}`,
    board: null,
    fromVersion: '1.0.0+0',
    toVersion: '1.1.0+0',
    imageHash: 'b'.repeat(64),
    transport: 'serial',
    bytes: 1000,
    durationMs: 1000,
    resumes: 0,
    result,
    errorCode: null,
    note: null,
  };
}

/** Midday, local time, on 2025-06-10. */
const NOW = new Date(2025, 5, 10, 12, 0, 0).getTime();
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const TODAY_UTC = utcDay(NOW);
const YESTERDAY_UTC = utcDay(NOW - 86_400_000);

/** Two updates today, plus entries that must not count. */
function log(): LogEntry[] {
  return [
    entry(new Date(2025, 5, 10, 0, 5)), // today, just after local midnight
    entry(new Date(2025, 5, 10, 11, 0)), // today
    entry(new Date(2025, 5, 10, 11, 30), 'failed'),
    entry(new Date(2025, 5, 10, 11, 40), 'testing'),
    entry(new Date(2025, 5, 10, 11, 45), 'already'),
    entry(new Date(2025, 5, 10, 11, 50), 'cancelled'),
    entry(new Date(2025, 5, 9, 23, 55)), // yesterday, just before local midnight
    entry(new Date(2025, 5, 11, 0, 5)), // tomorrow (a phone clock set back)
  ];
}

describe('devicesThisShift from the log', () => {
  it("counts only today's 'updated' entries", () => {
    expect(devicesThisShift(log(), NOW, undefined)).toBe(2);
    expect(devicesThisShift([], NOW, undefined)).toBe(0);
    expect(devicesThisShift(log(), NOW, new MemoryStorage())).toBe(2);
  });

  it("uses the technician's local day, not the UTC day", () => {
    // Auckland is UTC+12 in June: 23:30 UTC on the 9th is 11:30 local on the 10th.
    vi.stubEnv('TZ', 'Pacific/Auckland');
    const now = Date.parse('2025-06-10T00:00:00Z'); // 12:00 local, the 10th
    const entries = [
      entry(new Date('2025-06-09T23:30:00Z')), // the 10th locally (the 9th in UTC): counts
      entry(new Date('2025-06-09T11:30:00Z')), // 23:30 local on the 9th: does not
      entry(new Date('2025-06-10T11:30:00Z')), // 23:30 local on the 10th: counts
      entry(new Date('2025-06-10T12:30:00Z')), // 00:30 local on the 11th: does not
    ];
    expect(new Date(now).getHours()).toBe(12); // the zone really applies
    expect(devicesThisShift(entries, now, undefined)).toBe(2);
  });
});

describe('migration of the schema-0 shift record', () => {
  it("carries today's legacy count into the versioned record, adds it, and removes the legacy key", () => {
    const storage = new MemoryStorage({
      [LEGACY]: JSON.stringify({ day: TODAY_UTC, count: 3 }),
    });
    expect(devicesThisShift(log(), NOW, storage)).toBe(2 + 3);
    expect(storage.getItem(LEGACY)).toBeNull();
    expect(JSON.parse(storage.getItem(CARRIED) ?? 'null')).toEqual({
      schema: 1,
      day: TODAY_UTC,
      carried: 3,
    });
    // Later reads use the migrated record, and never count it twice.
    expect(devicesThisShift(log(), NOW, storage)).toBe(5);
    expect(devicesThisShift([...log(), entry(new Date(NOW - 60_000))], NOW, storage)).toBe(6);
    expect([...storage.items.keys()]).toEqual([CARRIED]);
  });

  it("drops yesterday's legacy record without carrying it", () => {
    const storage = new MemoryStorage({
      [LEGACY]: JSON.stringify({ day: YESTERDAY_UTC, count: 3 }),
    });
    expect(devicesThisShift(log(), NOW, storage)).toBe(2);
    expect(storage.getItem(LEGACY)).toBeNull();
    expect(storage.getItem(CARRIED)).toBeNull();
  });

  it('ignores and removes a garbage legacy value', () => {
    const garbage = [
      'not json {',
      'null',
      '42',
      '"text"',
      JSON.stringify({ day: TODAY_UTC, count: 'three' }),
      JSON.stringify({ day: TODAY_UTC, count: -2 }),
      JSON.stringify({ day: TODAY_UTC, count: 1.5 }),
      JSON.stringify({ count: 3 }),
    ];
    for (const value of garbage) {
      const storage = new MemoryStorage({ [LEGACY]: value });
      expect(devicesThisShift(log(), NOW, storage), value).toBe(2);
      expect(storage.getItem(LEGACY), value).toBeNull();
      expect(storage.getItem(CARRIED), value).toBeNull();
    }
  });

  it('keeps the legacy key when the new record cannot be written (storage full): nothing is lost', () => {
    const legacy = JSON.stringify({ day: TODAY_UTC, count: 3 });
    const storage = new MemoryStorage({ [LEGACY]: legacy }, true);
    // The carried count still shows, read from the record that could not be migrated.
    expect(devicesThisShift(log(), NOW, storage)).toBe(2 + 3);
    expect(storage.getItem(LEGACY)).toBe(legacy);
    expect(storage.getItem(CARRIED)).toBeNull();
    // Once there is room again, the migration completes.
    const later = new MemoryStorage({ [LEGACY]: legacy });
    expect(devicesThisShift(log(), NOW, later)).toBe(5);
    expect(later.getItem(LEGACY)).toBeNull();
  });

  it('a carried record from another day, or of another schema, adds nothing', () => {
    for (const record of [
      { schema: 1, day: YESTERDAY_UTC, carried: 3 },
      { schema: 2, day: TODAY_UTC, carried: 3 },
      { day: TODAY_UTC, carried: 3 },
      { schema: 1, day: TODAY_UTC, carried: 0 },
    ]) {
      const storage = new MemoryStorage({ [CARRIED]: JSON.stringify(record) });
      expect(carriedCount(storage, NOW), JSON.stringify(record)).toBe(0);
    }
  });

  it('without storage (private mode, blocked), only the log counts', () => {
    expect(carriedCount(undefined, NOW)).toBe(0);
    expect(devicesThisShift(log(), NOW, undefined)).toBe(2);
    const blocked: ShiftStorage = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    expect(devicesThisShift(log(), NOW, blocked)).toBe(2);
  });
});
