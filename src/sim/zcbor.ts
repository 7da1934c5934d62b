/**
 * Answer bodies encoded as Zephyr encodes them with zcbor: maps and arrays of
 * indefinite length (`bf … ff`, `9f … ff`), keys in the order the handler
 * writes them (research/protocols.md §2.3). cborg encodes the values; its
 * tokenizer then walks that encoding so each container head is rewritten to
 * its indefinite form and closed with a break.
 * @module
 */
import { encode, Tokenizer, Type } from 'cborg';
import { concatBytes } from '../core/bytes.ts';
import type { CborValue } from '../core/smp/index.ts';

/**
 * An answer body: plain CBOR values, plus Maps where the key order is data
 * (taskstat keys threads by name, and names like "3" would be reordered by a
 * JavaScript object).
 */
export type ZcborValue =
  | CborValue
  | ReadonlyMap<string, ZcborValue>
  | readonly ZcborValue[]
  | { readonly [key: string]: ZcborValue };
export type ZcborMap = { readonly [key: string]: ZcborValue };

export function encodeZcbor(body: ZcborMap): Uint8Array {
  // No key sorting: zcbor writes keys in code order.
  const definite = encode(body, { mapSorter: undefined as never });
  const tokens = new Tokenizer(definite, {});
  const out: Uint8Array[] = [];
  // Items still to come in each open container (a map entry counts twice).
  const open: number[] = [];
  const closeFinished = () => {
    while (open.length && open[open.length - 1] === 0) {
      open.pop();
      out.push(Uint8Array.of(0xff));
    }
  };
  while (!tokens.done()) {
    const start = tokens.pos();
    const token = tokens.next();
    if (open.length) open[open.length - 1]!--;
    if (token.type === Type.map || token.type === Type.array) {
      out.push(Uint8Array.of(token.type === Type.map ? 0xbf : 0x9f));
      open.push((token.value as number) * (token.type === Type.map ? 2 : 1));
    } else {
      out.push(definite.subarray(start, tokens.pos()));
    }
    closeFinished();
  }
  return concatBytes(...out);
}
