/**
 * The image verification benchmark, the same code in Node and in Chromium:
 * for each signature type and image size, the median time of `verifyImage`
 * (hash + signature, as the app runs it) beside `crypto.subtle.digest
 * ('SHA-256')` over the same bytes, measured in the same run.
 */
import { signImage, verifyImage, type SubtleLike } from '../src/core/image/index.ts';
import { parsePrivateKey, trustKey, type KeyType } from '../src/core/keys/index.ts';

export interface BenchInput {
  /** Private keys (PKCS#8 PEM) per type, made by the runner. */
  readonly keys: Readonly<Record<KeyType, string>>;
  readonly sizes: readonly number[];
  readonly subtle: SubtleLike & {
    digest(alg: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  };
  readonly now: () => number;
}

export interface BenchRow {
  readonly signature: string;
  readonly imageBytes: number;
  readonly verifyMs: number;
  readonly verifyMBps: number;
  readonly digestMs: number;
  readonly digestMBps: number;
  /** verifyMs / digestMs: the target is at most 2. */
  readonly ratio: number;
  /** verifyImage calls timed (7 rounds). */
  readonly calls: number;
}

const CASES: readonly { signature: string; key: KeyType; pure?: boolean }[] = [
  { signature: 'ed25519', key: 'ed25519' },
  { signature: 'ecdsa-p256', key: 'ecdsa-p256' },
  { signature: 'rsa-2048-pss', key: 'rsa-2048' },
  { signature: 'rsa-3072-pss', key: 'rsa-3072' },
  { signature: 'ed25519-pure', key: 'ed25519', pure: true },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * Median time of one call, over `rounds` rounds. Each round repeats the call
 * enough times to last ~20 ms, because browsers coarsen performance.now()
 * (0.1 ms in Chromium without cross-origin isolation), which would otherwise
 * swamp a 64 KiB digest.
 */
async function time(
  now: () => number,
  rounds: number,
  fn: () => Promise<unknown>,
): Promise<{ ms: number; calls: number }> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up: JIT, key import, noble precomputes
  let t = now();
  await fn();
  const once = Math.max(now() - t, 0.01);
  const perRound = Math.max(1, Math.ceil(20 / once));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    t = now();
    for (let i = 0; i < perRound; i++) await fn();
    samples.push((now() - t) / perRound);
  }
  return { ms: median(samples), calls: rounds * perRound };
}

export async function runVerifyBench(input: BenchInput): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of input.sizes) {
    // A deterministic, incompressible body: its content does not matter to either timing.
    const body = new Uint8Array(size - 0x200 - 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 2654435761) >>> 24;
    const rounds = 7;
    for (const c of CASES) {
      const key = parsePrivateKey(input.keys[c.key]);
      const signed = await signImage(
        body,
        key,
        {
          version: { major: 1, minor: 0, revision: 0, build: 0 },
          headerSize: 0x200,
          padHeader: true,
          slotSize: 0,
          pure: c.pure ?? false,
        },
        { subtle: input.subtle },
      );
      const image = signed.image;
      const trusted = [trustKey(key.publicKey, c.key)];
      const check = await verifyImage(image, trusted, { subtle: input.subtle });
      if (!check.ok) throw new Error(`bench image does not verify: ${check.reason}`);
      const verify = await time(input.now, rounds, () =>
        verifyImage(image, trusted, { subtle: input.subtle }),
      );
      const digest = await time(input.now, rounds, () =>
        input.subtle.digest('SHA-256', image as Uint8Array<ArrayBuffer>),
      );
      const verifyMs = verify.ms;
      const digestMs = digest.ms;
      const mb = image.length / (1024 * 1024);
      rows.push({
        signature: c.signature,
        imageBytes: image.length,
        verifyMs,
        verifyMBps: mb / (verifyMs / 1000),
        digestMs,
        digestMBps: mb / (digestMs / 1000),
        ratio: verifyMs / digestMs,
        calls: verify.calls,
      });
    }
  }
  return rows;
}
