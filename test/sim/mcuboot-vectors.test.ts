/**
 * The MCUboot model boots every image of ../shared/vectors/mcuboot (signed by
 * MCUboot's own imgtool): each goes into the secondary slot marked for a test
 * swap, the device resets, and MCUboot — holding the vector's key — either
 * swaps it in (valid: it runs, and the next reset reverts it since it was not
 * confirmed) or refuses it (invalid: the device stays on its old image and the
 * secondary is erased).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readImageFile } from '../../src/core/image/index.ts';
import { parsePrivateKey, parsePublicKey, trustKey } from '../../src/core/keys/index.ts';
import { deviceProfile, SimulatedDevice } from '../../src/sim/index.ts';
import { subtle } from '../helpers/crypto.ts';
import {
  hasMcubootVectors,
  loadVectors,
  MCUBOOT_DIR,
  vectorFile,
  type McubootVector,
} from '../helpers/shared.ts';
import { makeImage, settle, useVirtualTime } from '../helpers/sim.ts';

const vectors = loadVectors();

function device(v: McubootVector, image: Uint8Array) {
  const keys = v.key
    ? [trustKey(parsePublicKey(vectorFile(v.key)), v.key_name ?? 'vector key')]
    : [];
  const padded =
    v.expect === 'valid' &&
    image.length % 1024 === 0 &&
    image.length > 4096 &&
    image.length !== v.image_size;
  const base = deviceProfile('zephyr-qemu-mcuboot', keys);
  // A padded image carries its trailer at the end of the slot it was padded for (imgtool --pad).
  return new SimulatedDevice({ ...base, slotSize: padded ? image.length : 0x20000 }, { subtle });
}

/** The factory image the device runs before: signed with the key the bootloader holds. */
async function factoryImage(v: McubootVector): Promise<Uint8Array> {
  const privatePath = v.key?.replace('.pub.pem', '.pem');
  const key =
    privatePath && existsSync(join(MCUBOOT_DIR, privatePath))
      ? parsePrivateKey(vectorFile(privatePath))
      : null;
  return makeImage(key, '0.0.1', 1024, 7);
}

describe.skipIf(!hasMcubootVectors)('MCUboot model boots the imgtool vectors', () => {
  beforeEach(useVirtualTime);
  afterEach(() => vi.useRealTimers());

  it.each(vectors.map((v) => [v.id, v] as const))('%s', async (_id, v) => {
    const bytes = readImageFile(vectorFile(v.file)).bytes;
    const factory = await factoryImage(v);
    const sim = device(v, bytes);
    sim.install(factory, { slot: 'primary' });
    sim.install(bytes, { slot: 'secondary' });
    const boot = sim.bootloader!;
    const area = boot.slots[0]!;
    const preset = boot.swapType(0);
    if (preset === 'none') expect(boot.setPending(0, false).rc).toBe(0);
    const decision = boot.swapType(0);
    expect(['test', 'perm']).toContain(decision);
    await settle(sim.powerOn());
    const result = sim.bootLog.at(-1)!;
    expect(result.booted).toBe(true);
    expect(sim.state).toBe('running');
    const primary = sim.flash.view(area.primary.offset, bytes.length);
    if (v.expect === 'valid') {
      expect(result.images[0], `${v.id}: ${result.images[0]?.reason ?? ''}`).toMatchObject({
        decision,
        action: 'swapped',
      });
      expect(
        Buffer.compare(primary.subarray(0, v.layout.tlv_end), bytes.subarray(0, v.layout.tlv_end)),
      ).toBe(0);
      await settle(sim.reboot('second reset'));
      const second = sim.bootLog.at(-1)!;
      if (decision === 'test') {
        expect(second.images[0]).toMatchObject({ decision: 'revert', action: 'reverted' });
        expect(Buffer.compare(sim.flash.view(area.primary.offset, factory.length), factory)).toBe(
          0,
        );
      } else {
        expect(second.images[0]).toMatchObject({ decision: 'none', action: 'none' });
      }
    } else {
      expect(result.images[0]).toMatchObject({ action: 'rejected' });
      // For the reason imgtool's vector names.
      const reason = result.images[0]?.reason?.split(':')[0];
      expect([v.reason, ...v.acceptable_reasons]).toContain(reason);
      // Still the old image, and the refused one is gone from the secondary.
      expect(Buffer.compare(sim.flash.view(area.primary.offset, factory.length), factory)).toBe(0);
      expect(boot.swapType(0)).toBe('none');
    }
    sim.dispose();
  });

  it('covers all 38 vectors', () => {
    expect(vectors).toHaveLength(38);
  });
});
