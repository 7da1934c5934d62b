/**
 * The fault soak at benchmark scale: the schedules of test/engine/soak.test.ts
 * (same generator and run, test/helpers/fault-soak.ts), seeds 1…N, tallied
 * instead of asserted one by one.
 */
import { verifyImage } from '../../src/core/image/index.ts';
import { subtle } from '../../test/helpers/crypto.ts';
import { leftBootable, soakImages, soakRun } from '../../test/helpers/fault-soak.ts';
import { testKey } from '../../test/helpers/keys.ts';
import { installVirtualTime, wallMs } from './virtual-time.ts';

export interface SoakTally {
  readonly schedules: number;
  /** Runs by outcome: 'updated' (or another UpdateOutcome), a typed error's code, or 'untyped'. */
  readonly outcomes: Record<string, number>;
  readonly untyped: number;
  /** Runs after which the device was not running a valid image (or not the new one it claimed). */
  readonly notBootable: number;
  /** Up to 10 seeds of runs that broke a rule, to replay. */
  readonly badSeeds: readonly number[];
  readonly wallMs: number;
}

export async function runSoak(
  schedules: number,
  onProgress?: (done: number) => void,
): Promise<SoakTally> {
  const key = testKey('ed25519');
  const { v1, v2 } = await soakImages(key.private);
  const verdict = await verifyImage(v2, [key.trusted], { subtle });
  if (!verdict.ok) throw new Error(verdict.detail);
  const outcomes: Record<string, number> = {};
  const badSeeds: number[] = [];
  let untyped = 0;
  let notBootable = 0;
  const w0 = wallMs();
  const vt = installVirtualTime();
  try {
    const setup = { v1, v2, key: key.trusted, subtle, settle: vt.settle };
    for (let seed = 1; seed <= schedules; seed++) {
      const run = await soakRun(seed, setup);
      outcomes[run.label] = (outcomes[run.label] ?? 0) + 1;
      const bad = [run.label === 'untyped', !leftBootable(run)];
      if (bad[0]) untyped++;
      if (bad[1]) notBootable++;
      if (bad.some(Boolean) && badSeeds.length < 10) badSeeds.push(seed);
      if (seed % 500 === 0) onProgress?.(seed);
    }
  } finally {
    vt.uninstall();
  }
  return { schedules, outcomes, untyped, notBootable, badSeeds, wallMs: wallMs() - w0 };
}
