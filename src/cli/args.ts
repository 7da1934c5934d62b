/**
 * Command-line parsing on top of node:util `parseArgs`, plus what imgtool's
 * flags need and parseArgs lacks: options taking two values (`--custom-tlv
 * TAG VALUE`), and imgtool's integer syntax (Python `int(x, 0)`: 0x.., 0o..,
 * 0b.., decimal without leading zeros).
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

/** Separator for the two values of a pair option after pre-processing. */
const PAIR = '\u0000';

export function parseCommandArgs(
  command: string,
  argv: readonly string[],
  options: OptionSpec,
  pairOptions: readonly string[] = [],
): Parsed {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg.replace(/^--/, '');
    if (arg.startsWith('--') && pairOptions.includes(name)) {
      const a = argv[i + 1];
      const b = argv[i + 2];
      if (a === undefined || b === undefined)
        throw new UsageError(`${command}: ${arg} needs two values`);
      args.push(`${arg}=${a}${PAIR}${b}`);
      i += 2;
    } else {
      args.push(arg);
    }
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify.*$/s, '')}`);
  }
}

export function splitPair(value: string): [string, string] {
  const [a = '', b = ''] = value.split(PAIR);
  return [a, b];
}

/** Python `int(text, 0)`, as imgtool's BasedIntParamType uses it. */
export function parseBasedInt(text: string, what: string): number {
  const t = text.trim().toLowerCase().replace(/_/g, '');
  let value: number;
  if (/^0x[0-9a-f]+$/.test(t)) value = parseInt(t.slice(2), 16);
  else if (/^0o[0-7]+$/.test(t)) value = parseInt(t.slice(2), 8);
  else if (/^0b[01]+$/.test(t)) value = parseInt(t.slice(2), 2);
  else if (/^(0|[1-9]\d*)$/.test(t)) value = parseInt(t, 10);
  else {
    throw new UsageError(
      `${what}: "${text}" is not a valid integer (use decimal, or 0x/0o/0b prefixes)`,
    );
  }
  if (!Number.isSafeInteger(value)) throw new UsageError(`${what}: ${text} is too large`);
  return value;
}

export function str(v: Parsed['values'][string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function strs(v: Parsed['values'][string]): string[] {
  return Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string')
    : typeof v === 'string'
      ? [v]
      : [];
}

export function flag(v: Parsed['values'][string]): boolean {
  return v === true;
}

export function requireOne(command: string, positionals: readonly string[], what: string): string {
  if (positionals.length !== 1 || !positionals[0]) {
    throw new UsageError(`${command}: expected exactly one ${what}, got ${positionals.length}`);
  }
  return positionals[0];
}
