/**
 * Signed test images. Apart from test/helpers/sim.ts (which re-exports them)
 * so that code outside vitest — the upload benchmark's fault soak — makes
 * exactly the same images without pulling vitest into its bundle.
 */
import { subtle } from './crypto.ts';
import { signImage, type ImageVersion } from '../../src/core/image/index.ts';
import type { PrivateKey } from '../../src/core/keys/index.ts';

export function version(text: string): ImageVersion {
  const [core = '0.0.0', build = '0'] = text.split('+');
  const [major = 0, minor = 0, revision = 0] = core.split('.').map(Number);
  return { major, minor, revision, build: Number(build) };
}

/** A signed application image of `size` body bytes with a recognisable pattern. */
export async function makeImage(
  key: PrivateKey | null,
  ver: string,
  size = 4096,
  seed = 1,
): Promise<Uint8Array> {
  const body = new Uint8Array(32 + size);
  for (let i = 0; i < size; i++) body[32 + i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  const signed = await signImage(
    body,
    key,
    { version: version(ver), headerSize: 32, slotSize: 0x100000 },
    { subtle },
  );
  return signed.image;
}
