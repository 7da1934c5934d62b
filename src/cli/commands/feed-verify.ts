/**
 * `fieldflash feed verify`: checks a feed as the app does and lists its releases.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../../core/bytes.ts';
import { FeedError, formatIsoUtc, verifyFeed, type VerifiedFeed } from '../../core/feed/index.ts';
import { flag, parseBasedInt, parseCommandArgs, requireOne, str, strs } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { readInput } from '../io.ts';
import { loadTrustedKey } from '../keys.ts';
import { DAY_MS, matchText, parseNow, refuse } from './feed-common.ts';

/** "3 days", "5 hours", "12 minutes": how long, for people. */
function span(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 60_000) return 'less than a minute';
  const [n, unit] =
    abs >= DAY_MS
      ? [Math.floor(abs / DAY_MS), 'day']
      : abs >= 3_600_000
        ? [Math.floor(abs / 3_600_000), 'hour']
        : [Math.floor(abs / 60_000), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function describeFeed(file: string, v: VerifiedFeed): string {
  const row = (label: string, value: string) => `  ${label.padEnd(17)}${value}\n`;
  const { feed } = v;
  let out = `valid: ${file}\n`;
  out += row('signed by', `${v.signer.name} (key id ${v.signer.keyId})`);
  out += row('key fingerprint', `SHA256:${v.signer.fingerprint}`);
  out += row('sequence', String(feed.sequence));
  if (feed.issued !== undefined && v.ageMs !== null)
    out += row('issued', `${feed.issued} (${span(v.ageMs)} ${v.ageMs >= 0 ? 'ago' : 'from now'})`);
  out += row(
    'expires',
    v.expired
      ? `${feed.expires} — EXPIRED ${span(v.expiresInMs)} ago (accepted with --allow-expired)`
      : `${feed.expires} (in ${span(v.expiresInMs)})`,
  );
  out += row('releases', String(feed.releases.length));
  const table = [
    ['product', 'version', 'channel', 'for', 'size'],
    ...feed.releases.map((r) => [r.product, r.version, r.channel, matchText(r), String(r.size)]),
  ];
  const widths =
    table[0]?.map((_, i) => Math.max(...table.map((line) => (line[i] ?? '').length))) ?? [];
  for (const line of table)
    out += `    ${line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return out;
}

export async function verifySubcommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('feed verify', argv, {
    key: { type: 'string', short: 'k', multiple: true },
    sig: { type: 'string' },
    'min-sequence': { type: 'string' },
    now: { type: 'string' },
    'allow-expired': { type: 'boolean' },
  });
  const feedPath = requireOne('feed verify', positionals, 'feed file');
  const keyPaths = strs(values.key);
  if (keyPaths.length === 0)
    throw new UsageError('feed verify: at least one --key PUB.pem (the feed key) is required');
  const minSequence = str(values['min-sequence']);
  const min =
    minSequence === undefined ? null : parseBasedInt(minSequence, 'feed verify: --min-sequence');
  const now = parseNow(str(values.now));
  const keys = await Promise.all(keyPaths.map(loadTrustedKey));
  const json = await readInput(feedPath);
  const signature = await readInput(str(values.sig) ?? `${feedPath}.sig`);
  // --min-sequence knows a number, not which feed carried it: a feed at
  // exactly that sequence is taken as the one seen (same sha256), so only a
  // lower sequence is a rollback.
  const state = min === null ? null : { sequence: min, sha256: bytesToHex(sha256(json)) };
  let verified: VerifiedFeed;
  try {
    verified = verifyFeed(json, signature, keys, state, {
      now,
      allowExpired: flag(values['allow-expired']),
    });
  } catch (err) {
    if (!(err instanceof FeedError)) throw err;
    if (ctx.json) return refuse(ctx, feedPath, err);
    // A verdict, like `verify`'s INVALID: on stdout.
    ctx.out(`REFUSED: ${feedPath}\n  ${err.message}\n  code: ${err.code}\n`);
    return EXIT.rejected;
  }
  const { feed, signer } = verified;
  if (ctx.json) {
    printJson(ctx, {
      ok: true,
      sequence: feed.sequence,
      ...(feed.issued === undefined ? {} : { issued: feed.issued }),
      expires: feed.expires,
      expired: verified.expired,
      expiresInMs: verified.expiresInMs,
      sha256: verified.sha256,
      signer: { name: signer.name, keyId: signer.keyId, fingerprint: signer.fingerprint },
      releases: feed.releases,
    });
  } else {
    ctx.out(describeFeed(feedPath, verified));
  }
  if (verified.expired)
    ctx.err(
      `fieldflash feed verify: warning: ${feedPath} expired on ${feed.expires}; accepted only because of --allow-expired (checked at ${formatIsoUtc(now)})\n`,
    );
  return EXIT.ok;
}
