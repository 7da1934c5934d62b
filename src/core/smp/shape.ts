/**
 * Reading fields out of decoded CBOR with their types checked: a device that
 * answers with the wrong shape gets a typed error naming the field, never a
 * `undefined` that surfaces three calls later.
 * @module
 */
import { FieldflashError } from '../errors.ts';
import { isMap, type CborMap, type CborValue } from './cbor.ts';

/** The device's answer has the wrong shape for the request. */
export class SmpShapeError extends FieldflashError {
  readonly code = 'smp-bad-answer';
  constructor(
    readonly request: string,
    readonly problem: string,
  ) {
    super(`The device's answer to the ${request} is not what SMP specifies: ${problem}.`);
  }
}

export class Fields {
  constructor(
    private readonly body: CborMap,
    private readonly request: string,
    private readonly path = '',
  ) {}

  private fail(key: string, want: string): never {
    throw new SmpShapeError(this.request, `"${this.path}${key}" should be ${want}`);
  }

  private get(key: string): CborValue | undefined {
    return Object.hasOwn(this.body, key) ? this.body[key] : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  uint(key: string): number {
    const v = this.get(key);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    return this.fail(key, 'an unsigned integer');
  }

  int(key: string): number {
    const v = this.get(key);
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    return this.fail(key, 'an integer');
  }

  optUint(key: string): number | undefined {
    return this.has(key) ? this.uint(key) : undefined;
  }

  text(key: string): string {
    const v = this.get(key);
    return typeof v === 'string' ? v : this.fail(key, 'a text string');
  }

  optText(key: string): string | undefined {
    return this.has(key) ? this.text(key) : undefined;
  }

  bytes(key: string): Uint8Array {
    const v = this.get(key);
    return v instanceof Uint8Array ? v : this.fail(key, 'a byte string');
  }

  optBytes(key: string): Uint8Array | undefined {
    return this.has(key) ? this.bytes(key) : undefined;
  }

  /** A boolean that Zephyr's "frugal" lists omit when false. */
  flag(key: string): boolean {
    const v = this.get(key);
    if (v === undefined) return false;
    return typeof v === 'boolean' ? v : this.fail(key, 'a boolean');
  }

  optBool(key: string): boolean | undefined {
    return this.has(key) ? this.flag(key) : undefined;
  }

  /** Each element of an array of maps, as Fields. */
  maps(key: string): Fields[] {
    const v = this.get(key);
    if (!Array.isArray(v)) return this.fail(key, 'an array');
    return (v as readonly CborValue[]).map((item, i) => {
      if (!isMap(item)) return this.fail(`${key}[${i}]`, 'a map');
      return new Fields(item, this.request, `${this.path}${key}[${i}].`);
    });
  }

  optMaps(key: string): Fields[] {
    return this.has(key) ? this.maps(key) : [];
  }
}
