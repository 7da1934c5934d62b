/**
 * What every command gets from the shell: output sinks, the global flags and
 * the host crypto. Tests build one in memory.
 * @module
 */
import type { SubtleLike } from '../core/image/index.ts';

export interface CliContext {
  readonly json: boolean;
  readonly debug: boolean;
  /** Writes to stdout (the command's result). */
  readonly out: (text: string) => void;
  /** Writes to stderr (progress, warnings). */
  readonly err: (text: string) => void;
  readonly subtle: SubtleLike;
  /** Aborted on ^C: long commands stop cleanly (the update keeps its checkpoint). */
  readonly signal?: AbortSignal;
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2) + '\n');
}
