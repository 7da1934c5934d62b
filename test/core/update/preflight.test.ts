/**
 * Preflight decisions and refusals, the mode choice against every MCUboot
 * mode, the frame budget, the window and the retry decisions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signImage, verifyImage, type ImageOk } from '../../../src/core/image/index.ts';
import type { ImageSlotState } from '../../../src/core/smp/index.ts';
import {
  chooseMode,
  decide,
  DowngradeRefusedError,
  frameBudget,
  ImageTooLargeError,
  preflight,
  RunningVersionUnknownError,
  UpdateNotSupportedError,
  UploadWindow,
} from '../../../src/core/update/index.ts';
import { version } from '../../helpers/sim.ts';

async function verified(
  ver: string,
  options: { nonBootable?: boolean; securityCounter?: number } = {},
): Promise<ImageOk> {
  const signed = await signImage(new Uint8Array(32 + 2000).fill(7, 32), null, {
    version: version(ver),
    headerSize: 32,
    slotSize: 0x100000,
    ...(options.nonBootable ? { nonBootable: true } : {}),
    ...(options.securityCounter !== undefined ? { securityCounter: options.securityCounter } : {}),
  });
  const verdict = await verifyImage(signed.image, []);
  if (!verdict.ok) throw new Error(verdict.detail);
  return verdict;
}

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
function slot(
  s: Partial<ImageSlotState> & { slot: number; version: string; hash?: Uint8Array },
): ImageSlotState {
  return {
    image: 0,
    bootable: true,
    pending: false,
    confirmed: false,
    active: false,
    permanent: false,
    hash: new Uint8Array(32),
    ...s,
  };
}
const running = (ver: string, hash = new Uint8Array(32).fill(1)) =>
  slot({ slot: 0, version: ver, hash, active: true, confirmed: true });

describe('preflight', () => {
  it('a newer image is uploaded in the default test-and-confirm mode', async () => {
    const image = await verified('2.0.0');
    const p = preflight({ image, slots: [running('1.0.0')], bootloaderMode: 3, slotSize: 0x10000 });
    expect(p.plan).toEqual({
      action: 'upload',
      mode: 'test-and-confirm',
      size: image.layout.tlvEnd,
    });
    expect(p.warnings).toEqual([]);
    expect(p.running?.version).toBe('1.0.0');
  });

  it('already running and confirmed: nothing to do; running on test: confirm it', async () => {
    const image = await verified('2.0.0');
    const mine = fromHex(image.sha256!);
    expect(
      preflight({ image, slots: [running('2.0.0', mine)], bootloaderMode: 3, slotSize: null }).plan,
    ).toEqual({ action: 'nothing', why: 'already-running' });
    const onTest = { ...running('2.0.0', mine), confirmed: false };
    expect(preflight({ image, slots: [onTest], bootloaderMode: 3, slotSize: null }).plan).toEqual({
      action: 'confirm',
      mode: 'test-and-confirm',
    });
    expect(
      preflight({
        image,
        slots: [onTest],
        bootloaderMode: 3,
        slotSize: null,
        options: { mode: 'test-only' },
      }).plan.action,
    ).toBe('nothing');
  });

  it('already in the update slot with the same hash: skip the upload, mark it', async () => {
    const image = await verified('2.0.0');
    const waiting = slot({
      slot: 1,
      version: '2.0.0',
      hash: fromHex(image.sha256!),
      pending: true,
    });
    expect(
      preflight({ image, slots: [running('1.0.0'), waiting], bootloaderMode: 3, slotSize: null })
        .plan,
    ).toEqual({ action: 'mark', mode: 'test-and-confirm', pending: true });
  });

  it('a downgrade is refused unless asked for; same version with another hash is not a downgrade', async () => {
    const image = await verified('1.0.0');
    const input = { image, slots: [running('1.2.0')], bootloaderMode: 3, slotSize: null };
    expect(() => preflight(input)).toThrow(DowngradeRefusedError);
    expect(() => preflight(input)).toThrow(/older than the one the device runs \(1\.2\.0\+0\)/);
    expect(preflight({ ...input, options: { allowDowngrade: true } }).plan.action).toBe('upload');
    expect(preflight({ ...input, slots: [running('1.0.0')] }).plan.action).toBe('upload');
    // Device versions carry the build as a fourth number; it does not order images (img_mgmt_vercmp).
    expect(preflight({ ...input, slots: [running('1.0.0.9')] }).plan.action).toBe('upload');
  });

  it('a running version that is not a version (a device that lies) is refused unless a downgrade is allowed', async () => {
    const image = await verified('2.0.0');
    const input = { image, slots: [running('2.x.0-garbage')], bootloaderMode: 3, slotSize: null };
    expect(() => preflight(input)).toThrow(RunningVersionUnknownError);
    expect(() => preflight(input)).toThrow(/"2\.x\.0-garbage", which is not a version/);
    expect(preflight({ ...input, options: { allowDowngrade: true } }).plan.action).toBe('upload');
  });

  it('a lower security counter than the running image is refused when the running one is known', async () => {
    const image = await verified('2.0.0', { securityCounter: 3 });
    const input = {
      image,
      slots: [running('1.0.0')],
      bootloaderMode: 3,
      slotSize: null,
      runningSecurityCounter: 5,
    };
    const error = (() => {
      try {
        preflight(input);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DowngradeRefusedError);
    expect(error).toMatchObject({ by: 'security-counter', running: '5', offered: '3' });
  });

  it('too large for the slot, non-bootable, unknown image number: refused with the reason', async () => {
    const image = await verified('2.0.0');
    expect(() => preflight({ image, slots: [], bootloaderMode: 3, slotSize: 1024 })).toThrow(
      ImageTooLargeError,
    );
    const data = await verified('2.0.0', { nonBootable: true });
    expect(() => preflight({ image: data, slots: [], bootloaderMode: 3, slotSize: null })).toThrow(
      /non-bootable/,
    );
    expect(() =>
      preflight({
        image,
        slots: [running('1.0.0')],
        bootloaderMode: 3,
        slotSize: null,
        options: { imageIndex: 1 },
      }),
    ).toThrow(/no image 1/);
  });

  it('multi-image devices: the image index picks the slots', async () => {
    const image = await verified('2.0.0');
    const net = { ...running('0.5.0'), image: 1, slot: 2 };
    const p = preflight({
      image,
      slots: [running('3.0.0'), net],
      bootloaderMode: 3,
      slotSize: null,
      options: { imageIndex: 1 },
    });
    expect(p.plan.action).toBe('upload');
    expect(p.running?.version).toBe('0.5.0');
  });
});

describe('mode choice', () => {
  it('swap modes honour every mode; overwrite-only is permanent; loader-only modes are refused', () => {
    for (const m of [1, 3, 5, 9]) {
      for (const mode of ['test-and-confirm', 'confirm-only', 'test-only'] as const)
        expect(chooseMode(mode, m)).toEqual({ mode, warning: null });
    }
    expect(chooseMode(undefined, 2).mode).toBe('confirm-only');
    expect(chooseMode(undefined, 2).warning).toMatch(/permanent/);
    expect(() => chooseMode('test-only', 2)).toThrow(UpdateNotSupportedError);
    for (const m of [0, 4, 6, 7, 8, 42])
      expect(() => chooseMode(undefined, m)).toThrow(
        /cannot take an update from the running application/,
      );
    expect(chooseMode(undefined, null).mode).toBe('test-and-confirm');
    expect(chooseMode(undefined, null).warning).toMatch(/assuming/);
  });
});

describe('frame budget', () => {
  it('fills whole writes and never exceeds the device buffer', () => {
    expect(frameBudget({ maxFrame: 2475, writeSize: 244, frameOverhead: 0 })).toBe(2440);
    expect(frameBudget({ maxFrame: 2475, writeSize: 495, frameOverhead: 0 })).toBe(2475);
    expect(frameBudget({ maxFrame: 380, writeSize: 93, frameOverhead: 4 })).toBe(368); // 4 lines
    expect(frameBudget({ maxFrame: 100, writeSize: 244, frameOverhead: 0 })).toBe(100);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70000 }),
        fc.integer({ min: 8, max: 512 }),
        fc.constantFrom(0, 4),
        (maxFrame, writeSize, frameOverhead) => {
          const b = frameBudget({ maxFrame, writeSize, frameOverhead });
          expect(b).toBeLessThanOrEqual(maxFrame);
          expect(b).toBeGreaterThan(0);
          if (maxFrame + frameOverhead >= writeSize && b !== maxFrame) {
            expect((b + frameOverhead) % writeSize).toBe(0);
            expect(maxFrame - b).toBeLessThan(writeSize);
          }
        },
      ),
    );
  });
});

describe('upload window', () => {
  it('grows by one per window of answers, halves on a loss, stays within 1…cap', () => {
    const w = new UploadWindow({ cap: 3 });
    expect(w.size).toBe(1);
    w.acked();
    expect(w.size).toBe(2);
    w.acked();
    w.acked();
    expect(w.size).toBe(3);
    for (let i = 0; i < 10; i++) w.acked();
    expect(w.size).toBe(3);
    w.lost();
    expect(w.size).toBe(1);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.boolean(), { maxLength: 200 }),
        (cap, events) => {
          const win = new UploadWindow({ cap, initial: 2 });
          for (const ok of events) {
            const before = win.size;
            if (ok) win.acked();
            else win.lost();
            expect(win.size).toBeGreaterThanOrEqual(1);
            expect(win.size).toBeLessThanOrEqual(cap);
            if (ok) expect(win.size - before).toBeLessThanOrEqual(1);
            else expect(win.size).toBe(Math.max(1, Math.floor(before / 2)));
          }
        },
      ),
    );
  });
});

describe('retry decisions', () => {
  it('link lost → reconnect; refused → once more, then abort; timeouts shrink then retry with back-off, within a budget', () => {
    expect(decide({ kind: 'link-lost' }, 1)).toEqual({ action: 'reconnect' });
    expect(decide({ kind: 'refused', rc: 3 }, 1)).toMatchObject({ action: 'retry' });
    expect(decide({ kind: 'refused', rc: 3 }, 2)).toMatchObject({ action: 'abort' });
    expect(decide({ kind: 'timeout' }, 1)).toEqual({ action: 'shrink', waitMs: 50 });
    expect(decide({ kind: 'timeout' }, 2)).toEqual({ action: 'retry', waitMs: 100 });
    expect(decide({ kind: 'timeout', pipelined: true }, 1)).toEqual({
      action: 'retry',
      waitMs: 50,
    });
    expect(decide({ kind: 'behind' }, 1)).toEqual({ action: 'retry', waitMs: 50 });
    expect(JSON.stringify(decide({ kind: 'behind' }, 7))).toMatch(/abort.*kept asking/);
    expect(decide({ kind: 'busy' }, 3)).toEqual({ action: 'retry', waitMs: 200 });
    expect(decide({ kind: 'busy' }, 7)).toMatchObject({ action: 'abort' });
    expect(JSON.stringify(decide({ kind: 'busy' }, 7))).toMatch(/busy/);
    expect(JSON.stringify(decide({ kind: 'timeout' }, 7))).toMatch(/abort.*did not answer/);
    fc.assert(
      fc.property(
        fc.constantFrom('timeout' as const, 'busy' as const),
        fc.integer({ min: 1, max: 100 }),
        (kind, attempt) => {
          const d = decide({ kind }, attempt);
          if (d.action === 'retry' || d.action === 'shrink')
            expect(d.waitMs).toBeLessThanOrEqual(2000);
        },
      ),
    );
  });
});
