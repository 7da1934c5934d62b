/**
 * A typed SMP request: where it goes, what it carries, and how to read its
 * answer. Built by messages/*, sent by client/.
 * @module
 */
import type { CborMap } from './cbor.ts';
import type { Fields } from './shape.ts';

export interface SmpRequest<T> {
  /** For people and errors: "image upload", "echo". */
  readonly name: string;
  readonly op: 0 | 2;
  readonly group: number;
  readonly command: number;
  readonly body: CborMap;
  /** Reads a success answer; throws SmpShapeError when it has the wrong shape. */
  readonly parse: (answer: Fields) => T;
}
