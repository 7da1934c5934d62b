/**
 * The text form of simulator faults for `fieldflash sim --fault SPEC`, one
 * per Fault kind of src/sim/faults.ts:
 *
 *   drop|duplicate|corrupt|reorder:to-device|to-host[:NTH[:COUNT]]
 *   disconnect@byte=N | disconnect@ms=T
 *   power-loss@byte=N|@ms=T|@flash[,tear][,off=MS]
 *   slow-flash=FACTOR
 *   busy[:GROUP.COMMAND][:COUNT]     silent[:GROUP.COMMAND][:COUNT]
 *   late=MS[:GROUP.COMMAND][:COUNT]
 *   wrong-offset[=DELTA][:COUNT]
 * @module
 */
import type { Fault } from '../sim/index.ts';
import { UsageError } from './errors.ts';

export const FAULT_SPEC_HELP = `faults (--fault, repeatable):
  drop|duplicate|corrupt|reorder:to-device|to-host[:NTH[:COUNT]]   a write/line lost, doubled, changed, swapped
  disconnect@byte=N | disconnect@ms=T                            the device drops the link
  power-loss@byte=N|@ms=T|@flash[,tear][,off=MS]                 power cut (tear: the sector being written)
  slow-flash=FACTOR                                              erases and writes FACTOR× slower
  busy[:G.C][:COUNT]                                             answer rc 10 without running
  silent[:G.C][:COUNT]                                           neither run nor answer
  late=MS[:G.C][:COUNT]                                          hold answers back MS ms
  wrong-offset[=DELTA][:COUNT]                                   upload answers report off + DELTA (default -1)
  (G.C = SMP group.command, e.g. 1.1 for image upload; busy, silent and late act on
   every matching request unless COUNT is given, the other faults once)`;

const bad = (spec: string, why: string) =>
  new UsageError(`sim: --fault "${spec}": ${why} (see fieldflash sim --help)`);

function int(spec: string, text: string | undefined, what: string, min = 0): number {
  if (text === undefined || !/^-?\d+$/.test(text))
    throw bad(spec, `${what} must be a whole number`);
  const n = Number(text);
  if (n < min) throw bad(spec, `${what} must be at least ${min}`);
  return n;
}

function match(spec: string, text: string): { group: number; command: number } {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (!m) throw bad(spec, `"${text}" is not GROUP.COMMAND (e.g. 1.1)`);
  return { group: Number(m[1]), command: Number(m[2]) };
}

/** Optional `:G.C` and `:COUNT` after a frame fault's head. */
function frameOptions(
  spec: string,
  parts: string[],
): { match?: { group: number; command: number }; count?: number } {
  const out: { match?: { group: number; command: number }; count?: number } = {};
  for (const part of parts) {
    if (part.includes('.')) out.match = match(spec, part);
    else out.count = int(spec, part, 'COUNT', 1);
  }
  return out;
}

export function parseFaultSpec(spec: string): Fault {
  const [head = '', ...parts] = spec.trim().split(':');
  const unit = /^(drop|duplicate|corrupt|reorder)$/.exec(head);
  if (unit) {
    const [direction, nth, count, ...extra] = parts;
    if (direction !== 'to-device' && direction !== 'to-host') {
      throw bad(spec, 'say which way: to-device or to-host');
    }
    if (extra.length) throw bad(spec, 'too many fields');
    return {
      kind: unit[1] as 'drop' | 'duplicate' | 'corrupt' | 'reorder',
      direction,
      ...(nth !== undefined ? { nth: int(spec, nth, 'NTH', 1) } : {}),
      ...(count !== undefined ? { count: int(spec, count, 'COUNT', 1) } : {}),
    };
  }
  const at = /^(disconnect|power-loss)@(.+)$/.exec(head);
  if (at) {
    if (parts.length) throw bad(spec, 'unexpected ":"');
    const [trigger = '', ...flags] = (at[2] ?? '').split(',');
    const when =
      trigger === 'flash'
        ? { duringFlash: true }
        : trigger.startsWith('byte=')
          ? { atByte: int(spec, trigger.slice(5), 'N') }
          : trigger.startsWith('ms=')
            ? { afterMs: int(spec, trigger.slice(3), 'T') }
            : null;
    if (!when)
      throw bad(spec, 'expected @byte=N or @ms=T' + (at[1] === 'power-loss' ? ' or @flash' : ''));
    if (at[1] === 'disconnect') {
      if (flags.length || 'duringFlash' in when)
        throw bad(spec, 'disconnect takes @byte=N or @ms=T only');
      return { kind: 'disconnect', ...when };
    }
    let tear = false;
    let offMs: number | undefined;
    for (const f of flags) {
      if (f === 'tear') tear = true;
      else if (f.startsWith('off=')) offMs = int(spec, f.slice(4), 'off');
      else throw bad(spec, `unknown option "${f}" (tear, off=MS)`);
    }
    return {
      kind: 'power-loss',
      ...when,
      ...(tear ? { tear } : {}),
      ...(offMs !== undefined ? { offMs } : {}),
    };
  }
  const [name = '', value] = head.split('=');
  switch (name) {
    case 'slow-flash': {
      const factor = Number(value);
      if (value === undefined || !(factor > 0))
        throw bad(spec, 'slow-flash=FACTOR needs a positive number');
      if (parts.length) throw bad(spec, 'unexpected ":"');
      return { kind: 'slow-flash', factor };
    }
    case 'busy':
    case 'silent':
      if (value !== undefined) throw bad(spec, `${name} takes no value`);
      return { kind: name, ...frameOptions(spec, parts) };
    case 'late':
      return { kind: 'late', delayMs: int(spec, value, 'MS'), ...frameOptions(spec, parts) };
    case 'wrong-offset': {
      const [count, ...extra] = parts;
      if (extra.length) throw bad(spec, 'too many fields');
      return {
        kind: 'wrong-offset',
        ...(value !== undefined ? { delta: int(spec, value, 'DELTA', -Infinity) } : {}),
        ...(count !== undefined ? { count: int(spec, count, 'COUNT', 1) } : {}),
      };
    }
    default:
      throw bad(spec, `unknown fault "${name || head}"`);
  }
}
