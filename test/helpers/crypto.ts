import { webcrypto } from 'node:crypto';
import type { SubtleLike } from '../../src/core/image/index.ts';

/** Node's WebCrypto, as the CLI passes it to the core. */
export const subtle: SubtleLike = webcrypto.subtle;
