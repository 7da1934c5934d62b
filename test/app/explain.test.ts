/**
 * Every failure code the engine, client and transports can end an update
 * with has a plain cause and a next step (not the generic fallback), and a
 * lost link says where the update will resume.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainFailure } from '../../src/app/explain.ts';

const root = new URL('../../src/', import.meta.url).pathname;
function codes(): string[] {
  const found = new Set<string>();
  for (const dir of ['engine', 'client', 'transport', 'core/update', 'core/smp']) {
    for (const f of readdirSync(join(root, dir))) {
      if (!f.endsWith('.ts')) continue;
      const text = readFileSync(join(root, dir, f), 'utf8');
      for (const m of text.matchAll(/readonly code = '([a-z-]+)'/g)) found.add(m[1] as string);
    }
  }
  return [...found];
}

describe('explainFailure', () => {
  const generic = explainFailure('no-such-code', { percent: null, link: 'demo' });
  // Codes that never end an update (the engine handles them on the way) need no sentence.
  const internal = new Set([
    'upload-restarted',
    'too-many-pending',
    'smp-bad-frame',
    'smp-bad-cbor',
    'frame-too-large',
  ]);

  it.each(codes().filter((c) => !internal.has(c)))('%s has its own sentence', (code) => {
    expect(explainFailure(code, { percent: 40, link: 'bluetooth' }).title).not.toBe(generic.title);
  });

  it('a lost Bluetooth link says to move closer and where it resumes', () => {
    expect(explainFailure('disconnected', { percent: 63, link: 'bluetooth' })).toEqual({
      title: 'Bluetooth link lost — move closer to the device and keep it powered.',
      next: 'Connect again and press Update. The update will resume at 63 %.',
    });
    expect(explainFailure('timeout', { percent: null, link: 'serial' }).title).toMatch(/cable/);
  });
});
