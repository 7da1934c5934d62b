/**
 * Reading an answer: a success body, a v1 `{rc}` error or a v2 `{err: {group,
 * rc}}` error (research/protocols.md §2.3–2.4). Zephyr may answer a v2 request
 * in v1 style (an unknown group gets `{rc: 8}`), so every answer is checked
 * for both; a missing `rc` means success.
 * @module
 */
import { isMap, type CborMap, type CborValue } from './cbor.ts';
import { SmpDeviceError } from './errors.ts';
import { SmpShapeError } from './shape.ts';

/** Throws SmpDeviceError when the body is an error answer; returns it otherwise. */
export function checkAnswer(body: CborMap, request: { group: number; name: string }): CborMap {
  const rc = body['rc'];
  const rsn = typeof body['rsn'] === 'string' ? body['rsn'] : undefined;
  const reason = rsn === undefined ? {} : { deviceReason: rsn };
  if (rc !== undefined) {
    const code = asCode(rc, 'rc');
    if (code !== 0)
      throw new SmpDeviceError({
        style: 'v1',
        group: request.group,
        rc: code,
        request: request.name,
        ...reason,
      });
  }
  const err = body['err'];
  if (err !== undefined) {
    if (!isMap(err)) throw new SmpShapeError(request.name, '"err" is not a map');
    const group = asCode(err['group'], 'err.group');
    const code = asCode(err['rc'], 'err.rc');
    if (code !== 0)
      throw new SmpDeviceError({ style: 'v2', group, rc: code, request: request.name, ...reason });
  }
  return body;
}

function asCode(value: CborValue | undefined, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER))
    return Number(value);
  throw new SmpShapeError('answer', `"${what}" is not a non-negative integer`);
}
