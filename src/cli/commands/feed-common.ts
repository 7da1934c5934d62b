/**
 * What the `feed` subcommands share: the "now" they judge expiry by, and how
 * a feed that says no is reported (a verdict: exit 1, with its code and data).
 * @module
 */
import { type FeedError, parseIsoUtc, type Release } from '../../core/feed/index.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';

export const DAY_MS = 86_400_000;

/** A feed that says no: a verdict (exit 1), reported with its code and data. */
export function refuse(ctx: CliContext, file: string, err: FeedError): number {
  if (ctx.json) {
    const { name: _name, code: _code, ...data } = { ...err } as Record<string, unknown>;
    printJson(ctx, { ok: false, code: err.code, message: err.message, ...data });
  } else {
    ctx.err(`fieldflash feed: ${file}: ${err.message}\n`);
  }
  return EXIT.rejected;
}

export function parseNow(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const time = parseIsoUtc(text);
  if (time === null) {
    throw new UsageError(
      `feed: --now "${text}" is not an ISO-8601 UTC time like 2025-06-01T00:00:00Z`,
    );
  }
  return time;
}

/** Which devices a release is for, in words. */
export function matchText(r: Release): string {
  const parts = [];
  if (r.match.board !== undefined) parts.push(`board ${r.match.board}`);
  if (r.match.bleNamePrefix !== undefined) parts.push(`name ${r.match.bleNamePrefix}*`);
  return parts.join(', ');
}
