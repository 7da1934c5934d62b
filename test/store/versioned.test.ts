/**
 * readRecord (src/store/versioned.ts): a record at the current schema is
 * parsed; an older one is lifted one step at a time, in order; a newer one,
 * one with a missing step, one a step turns into garbage, and anything that
 * is not a record at all are refused with the reason, never half-used.
 */
import { describe, expect, it } from 'vitest';
import {
  isCount,
  isHex,
  isText,
  readRecord,
  type RecordSchema,
} from '../../src/store/versioned.ts';

interface Device {
  readonly schema: 3;
  readonly name: string;
  readonly firmware: string;
  readonly uploads: number;
}

const parse = (v: Record<string, unknown>): Device | null =>
  v['schema'] === 3 && isText(v['name']) && isText(v['firmware']) && isCount(v['uploads'])
    ? { schema: 3, name: v['name'], firmware: v['firmware'], uploads: v['uploads'] }
    : null;

/** Schema 1 `{label}` → 2 `{name}` → 3 `{name, firmware, uploads}`, each step recorded. */
function schema(steps: RecordSchema<Device>['steps'] = defaultSteps()): {
  schema: RecordSchema<Device>;
  calls: { step: number; input: Record<string, unknown> }[];
} {
  const calls: { step: number; input: Record<string, unknown> }[] = [];
  const wrapped = Object.fromEntries(
    Object.entries(steps ?? {}).map(([k, fn]) => [
      k,
      (old: Record<string, unknown>) => {
        calls.push({ step: Number(k), input: old });
        return fn(old);
      },
    ]),
  );
  return { schema: { current: 3, steps: wrapped, parse }, calls };
}

function defaultSteps(): NonNullable<RecordSchema<Device>['steps']> {
  return {
    1: (old) => ({ name: old['label'] }),
    // Only correct when run after step 1: reads the `name` that step 1 made.
    2: (old) => ({ ...old, firmware: `fw-of-${String(old['name'])}`, uploads: 0 }),
  };
}

describe('readRecord', () => {
  it('parses a record at the current schema, with no migration', () => {
    const { schema: s, calls } = schema();
    const read = readRecord({ schema: 3, name: 'Pump 7', firmware: '1.0.0', uploads: 2 }, s);
    expect(read).toEqual({
      ok: true,
      value: { schema: 3, name: 'Pump 7', firmware: '1.0.0', uploads: 2 },
      migratedFrom: null,
    });
    expect(calls).toEqual([]);
  });

  it('lifts schema 1 through 2 to 3, each step in order and seeing the previous step’s schema', () => {
    const { schema: s, calls } = schema();
    const read = readRecord({ schema: 1, label: 'Pump 7' }, s);
    expect(read).toEqual({
      ok: true,
      value: { schema: 3, name: 'Pump 7', firmware: 'fw-of-Pump 7', uploads: 0 },
      migratedFrom: 1,
    });
    expect(calls.map((c) => c.step)).toEqual([1, 2]);
    expect(calls[0]?.input).toEqual({ schema: 1, label: 'Pump 7' });
    // The second step receives step 1's output stamped with schema 2.
    expect(calls[1]?.input).toEqual({ schema: 2, name: 'Pump 7' });
  });

  it('lifts schema 2 with only the last step', () => {
    const { schema: s, calls } = schema();
    const read = readRecord({ schema: 2, name: 'Valve' }, s);
    expect(read).toMatchObject({ ok: true, migratedFrom: 2, value: { firmware: 'fw-of-Valve' } });
    expect(calls.map((c) => c.step)).toEqual([2]);
  });

  it('stamps the schema itself: a step cannot leave a wrong one behind', () => {
    const { schema: s } = schema({
      1: () => ({ name: 'x', schema: 99 }),
      2: (old) => ({ ...old, firmware: 'f', uploads: 1, schema: 1 }),
    });
    expect(readRecord({ schema: 1 }, s)).toMatchObject({ ok: true, value: { schema: 3 } });
  });

  it('refuses a record from a newer schema without calling any step', () => {
    const { schema: s, calls } = schema();
    expect(readRecord({ schema: 4, name: 'n', firmware: 'f', uploads: 0 }, s)).toEqual({
      ok: false,
      why: 'newer-schema',
    });
    expect(calls).toEqual([]);
  });

  it('refuses when a step on the way is missing (no-migration)', () => {
    const { schema: s } = schema({ 1: (old) => ({ name: old['label'] }) });
    expect(readRecord({ schema: 1, label: 'a' }, s)).toEqual({ ok: false, why: 'no-migration' });
    expect(readRecord({ schema: 2, name: 'a' }, s)).toEqual({ ok: false, why: 'no-migration' });
    const none: RecordSchema<Device> = { current: 3, parse };
    expect(readRecord({ schema: 2, name: 'a' }, none)).toEqual({ ok: false, why: 'no-migration' });
  });

  it('refuses a step that produces garbage, or a result that does not parse (invalid)', () => {
    for (const garbage of [null, undefined, 42, 'text', true]) {
      const { schema: s, calls } = schema({ 1: () => garbage, 2: () => ({}) });
      expect(readRecord({ schema: 1, label: 'a' }, s)).toEqual({ ok: false, why: 'invalid' });
      expect(calls.map((c) => c.step)).toEqual([1]); // stops at the garbage
    }
    const { schema: s } = schema({ 1: () => ({}), 2: (old) => ({ ...old, uploads: -1 }) });
    expect(readRecord({ schema: 1 }, s)).toEqual({ ok: false, why: 'invalid' });
    const current = schema().schema;
    expect(readRecord({ schema: 3, name: 'n', firmware: 7, uploads: 0 }, current)).toEqual({
      ok: false,
      why: 'invalid',
    });
  });

  it('refuses what is not a record: non-objects, no schema, schema 0, non-integer schema', () => {
    const { schema: s, calls } = schema();
    const notRecords: unknown[] = [
      null,
      undefined,
      3,
      'schema',
      true,
      {},
      { name: 'no schema' },
      { schema: 0 },
      { schema: -1 },
      { schema: 1.5 },
      { schema: '3' },
      { schema: Number.NaN },
      { schema: Number.POSITIVE_INFINITY },
      { schema: 2 ** 53 },
    ];
    for (const raw of notRecords) {
      expect(readRecord(raw, s), JSON.stringify(raw) ?? String(raw)).toEqual({
        ok: false,
        why: 'not-a-record',
      });
    }
    expect(calls).toEqual([]);
  });
});

describe('field checks', () => {
  it('isText, isCount, isHex', () => {
    expect(isText('')).toBe(true);
    expect(isText(1)).toBe(false);
    expect([0, 5, Number.MAX_SAFE_INTEGER].every(isCount)).toBe(true);
    expect([-1, 1.5, Number.NaN, '1', 2 ** 53].some(isCount)).toBe(false);
    expect(isHex('00ff')).toBe(true);
    expect(isHex('00FF')).toBe(false);
    expect(isHex('')).toBe(false);
    expect(isHex('ab'.repeat(32), 64)).toBe(true);
    expect(isHex('ab'.repeat(31), 64)).toBe(false);
  });
});
