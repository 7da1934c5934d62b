/**
 * core/update/checkpoint.ts: a stored record is trusted only whole and in
 * this schema; matching tells the same update from another; the device's
 * first answer decides between fresh, resumed and restarted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_SCHEMA,
  matchCheckpoint,
  parseCheckpoint,
  uploadStart,
  type UpdateCheckpoint,
} from '../../../src/core/update/index.ts';

const good: UpdateCheckpoint = {
  schema: CHECKPOINT_SCHEMA,
  device: 'ble:abc',
  imageIndex: 0,
  slot: 1,
  imageSha: 'ab'.repeat(32),
  imageHash: 'cd'.repeat(32),
  version: '2.0.0+0',
  size: 1000,
  acked: 500,
  mode: 'test-and-confirm',
  phase: 'upload',
  runningHash: 'ef'.repeat(32),
  resumes: 0,
  startedAt: 1,
  updatedAt: 2,
};

describe('parseCheckpoint', () => {
  it('takes a whole record, through JSON, unchanged', () => {
    expect(parseCheckpoint(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });

  it.each<[string, unknown]>([
    ['another schema', { ...good, schema: 2 }],
    ['no device', { ...good, device: '' }],
    ['an offset past the image', { ...good, acked: 1001 }],
    ['a negative offset', { ...good, acked: -1 }],
    ['a fractional size', { ...good, size: 10.5 }],
    ['a short sha', { ...good, imageSha: 'ab' }],
    ['an upper-case, non-hex hash', { ...good, imageHash: 'XYZ' }],
    ['an unknown phase', { ...good, phase: 'done' }],
    ['an unknown mode', { ...good, mode: 'yolo' }],
    ['a string', 'not a record'],
    ['null', null],
    ['an array', [good]],
  ])('discards %s', (_, value) => {
    expect(parseCheckpoint(value)).toBeNull();
  });

  it('never throws, whatever is read back', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        parseCheckpoint(value);
      }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...Object.keys(good)), fc.anything()),
        (changes) => {
          const parsed = parseCheckpoint({ ...good, ...changes });
          if (parsed) expect(parsed.acked).toBeLessThanOrEqual(parsed.size);
        },
      ),
    );
  });
});

describe('matchCheckpoint', () => {
  const update = { imageSha: good.imageSha, imageHash: good.imageHash, running: good.runningHash };
  it('none, same, or other — and why', () => {
    expect(matchCheckpoint(null, update)).toEqual({ kind: 'none' });
    expect(matchCheckpoint(good, update)).toMatchObject({ kind: 'same' });
    // After the reset the board runs the new image itself: still the same update.
    expect(matchCheckpoint(good, { ...update, running: good.imageHash })).toMatchObject({
      kind: 'same',
    });
    expect(matchCheckpoint(good, { ...update, imageSha: '00'.repeat(32) })).toMatchObject({
      kind: 'other',
      why: 'an unfinished update to 2.0.0+0 is replaced by this one',
    });
    const other = matchCheckpoint(good, { ...update, running: '11'.repeat(32) });
    expect(other.kind).toBe('other');
    expect(other.kind === 'other' && other.why).toMatch(/runs other firmware/);
  });
});

describe('uploadStart', () => {
  it('reads the device’s answer to the first chunk', () => {
    expect(uploadStart(0, { offset: 256, firstChunk: 256 })).toBe('fresh');
    expect(uploadStart(5000, { offset: 4800, firstChunk: 256 })).toBe('resumed');
    expect(uploadStart(5000, { offset: 256, firstChunk: 256 })).toBe('restarted');
    expect(uploadStart(0, { offset: 9000, firstChunk: 256 })).toBe('resumed');
  });
});
