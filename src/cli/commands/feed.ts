/**
 * `fieldflash feed add|sign|verify`: publishing a signed release feed and
 * checking one the way the app will (core/feed). A feed that says no (bad
 * signature, rollback, expired, malformed) is a verdict: exit 1 with
 * `{ok:false, code, message}` under --json; bad flags and unreadable files
 * are exit 2 (DESIGN.md "CLI").
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../../core/bytes.ts';
import { FieldflashError } from '../../core/errors.ts';
import {
  addRelease,
  checkRelease,
  FeedError,
  FeedMalformedError,
  formatIsoUtc,
  parseFeed,
  parseIsoUtc,
  signFeed,
  verifyFeed,
  type Release,
  type VerifiedFeed,
} from '../../core/feed/index.ts';
import { readImageFile, REASON_SUMMARY, verifyImage } from '../../core/image/index.ts';
import { trustKey } from '../../core/keys/index.ts';
import { flag, parseBasedInt, parseCommandArgs, requireOne, str, strs } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, FileError, InFileError, UsageError } from '../errors.ts';
import { readInput, writeOutput } from '../io.ts';
import { loadPrivateKey, loadTrustedKey } from '../keys.ts';

export const FEED_HELP = `usage: fieldflash feed add FEED.json IMAGE --product P --file URL (--board B | --ble-name-prefix X) [options]
       fieldflash feed sign --key KEY.pem FEED.json [-o SIG]
       fieldflash feed verify --key PUB.pem [--key PUB.pem]... [options] FEED.json

A release feed lists firmware releases (JSON), signed by an Ed25519 feed key
(detached signature, FEED.json.sig). The app trusts a feed only if a pinned
feed key signed it, its sequence is not lower than one already seen, and it
has not expired.

feed add: adds IMAGE (.bin or Intel .hex, checked first) to FEED.json, or
creates it; an entry of the same product, version and channel is replaced.
Raises the sequence by 1 and re-dates the feed. Sign it again afterwards.
      --product P            product name (required)
      --file URL             where the app downloads IMAGE: relative to the
                             feed's URL, or https:// (required)
      --board B              Zephyr board it is for (nrf52840dk also fits
                             nrf52840dk/nrf52840)
      --ble-name-prefix X    Bluetooth name prefix it is for
      --channel C            release channel (default stable)
      --notes TEXT           release notes
      --min-version V        the device must already run at least V
      --expires-in-days N    validity from now (default 30)
      --now ISO              issue time (default: the clock), e.g. 2025-06-01T00:00:00Z

feed sign: signs FEED.json with an Ed25519 private key (make one with
\`fieldflash keygen --type ed25519 -o feed-key.pem\`).
  -k, --key FILE             the feed's private key (required)
  -o, --output FILE          signature file (default FEED.json.sig)

feed verify: checks FEED.json as the app does and lists its releases.
  -k, --key FILE             trusted feed public key; repeat for several (required)
      --sig FILE             signature file (default FEED.json.sig)
      --min-sequence N       refuse a feed older than sequence N (the highest seen)
      --now ISO              check expiry at this time (default: the clock)
      --allow-expired        accept an expired feed (offline work; says so)

      --json                 one JSON document on stdout
exit: 0 valid or done, 1 the feed (or image) was refused, 2 usage or file error`;

const DAY_MS = 86_400_000;
const MAX_VALID_DAYS = 3650;

/** A feed that says no: a verdict (exit 1), reported with its code and data. */
function refuse(ctx: CliContext, file: string, err: FeedError): number {
  if (ctx.json) {
    const { name: _name, code: _code, ...data } = { ...err } as Record<string, unknown>;
    printJson(ctx, { ok: false, code: err.code, message: err.message, ...data });
  } else {
    ctx.err(`fieldflash feed: ${file}: ${err.message}\n`);
  }
  return EXIT.rejected;
}

function parseNow(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const time = parseIsoUtc(text);
  if (time === null) {
    throw new UsageError(
      `feed: --now "${text}" is not an ISO-8601 UTC time like 2025-06-01T00:00:00Z`,
    );
  }
  return time;
}

/** The file's bytes, or null when it does not exist yet. */
async function readIfPresent(path: string): Promise<Uint8Array | null> {
  try {
    return await readInput(path);
  } catch (err) {
    const cause =
      err instanceof FileError ? (err.cause as { code?: unknown } | undefined) : undefined;
    if (cause?.code === 'ENOENT') return null;
    throw err;
  }
}

/** The flag each release field comes from, to name it in a usage error. */
const FLAG_OF: Record<string, string> = {
  product: '--product',
  file: '--file',
  'match.board': '--board',
  'match.bleNamePrefix': '--ble-name-prefix',
  channel: '--channel',
  notes: '--notes',
  minVersion: '--min-version',
};

/**
 * Checks the flags' part of a release before any file is read, with
 * placeholders for what the image will give: a bad flag is a usage error.
 */
function checkFlags(partial: ReleaseFlags): void {
  const zero = '0'.repeat(64);
  try {
    checkRelease({ ...partial, version: '0', size: 1, sha256: zero, imageHash: zero });
  } catch (err) {
    if (!(err instanceof FeedMalformedError)) throw err;
    const field = err.path.replace(/^release\./, '');
    throw new UsageError(`feed add: ${FLAG_OF[field] ?? field}: ${err.reason}`);
  }
}

type ReleaseFlags = Omit<Release, 'version' | 'size' | 'sha256' | 'imageHash'>;

function releaseFromFlags(values: ReturnType<typeof parseCommandArgs>['values']): ReleaseFlags {
  const need = (name: string) => {
    const v = str(values[name]);
    if (v === undefined) throw new UsageError(`feed add: --${name} is required`);
    return v;
  };
  const board = str(values.board);
  const bleNamePrefix = str(values['ble-name-prefix']);
  if (board === undefined && bleNamePrefix === undefined) {
    throw new UsageError('feed add: say which devices it is for: --board and/or --ble-name-prefix');
  }
  const minVersion = str(values['min-version']);
  return {
    product: need('product'),
    match: {
      ...(board === undefined ? {} : { board }),
      ...(bleNamePrefix === undefined ? {} : { bleNamePrefix }),
    },
    file: need('file'),
    notes: str(values.notes) ?? '',
    channel: str(values.channel) ?? 'stable',
    ...(minVersion === undefined ? {} : { minVersion }),
  };
}

function validDays(text: string | undefined): number {
  const days = text === undefined ? 30 : parseBasedInt(text, 'feed add: --expires-in-days');
  if (days < 1 || days > MAX_VALID_DAYS) {
    throw new UsageError(`feed add: --expires-in-days must be 1 to ${MAX_VALID_DAYS}`);
  }
  return days;
}

async function addCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('feed add', argv, {
    product: { type: 'string' },
    file: { type: 'string' },
    board: { type: 'string' },
    'ble-name-prefix': { type: 'string' },
    channel: { type: 'string' },
    notes: { type: 'string' },
    'min-version': { type: 'string' },
    'expires-in-days': { type: 'string' },
    now: { type: 'string' },
  });
  const [feedPath, imagePath, ...extra] = positionals;
  if (!feedPath || !imagePath || extra.length)
    throw new UsageError('feed add: expected FEED.json and IMAGE');
  const partial = releaseFromFlags(values);
  checkFlags(partial);
  const days = validDays(str(values['expires-in-days']));
  const now = parseNow(str(values.now));

  // The file as it will be served (.hex stays .hex): what the app downloads and hashes.
  const served = await readInput(imagePath);
  let verdict;
  try {
    verdict = await verifyImage(readImageFile(served).bytes, [], { subtle: ctx.subtle });
  } catch (err) {
    if (err instanceof FieldflashError) throw new InFileError(imagePath, err);
    throw err;
  }
  if (!verdict.ok) {
    const message = `${REASON_SUMMARY[verdict.reason]} (${verdict.detail}); not added`;
    if (ctx.json) printJson(ctx, { ok: false, code: verdict.reason, message });
    else ctx.err(`fieldflash feed add: ${imagePath}: ${message}\n`);
    return EXIT.rejected;
  }
  if (verdict.signature === null) {
    ctx.err(
      `fieldflash feed add: warning: ${imagePath} is not signed; devices that check signatures will refuse it\n`,
    );
  }
  const release: Release = {
    ...partial,
    version: verdict.versionText,
    size: served.length,
    sha256: bytesToHex(sha256(served)),
    // What the device lists for the slot (as core/update's holdsImage compares it).
    imageHash: verdict.sha256 ?? verdict.imageHash,
  };
  const existing = await readIfPresent(feedPath);
  let edited;
  try {
    edited = addRelease(existing, release, { now, validForMs: days * DAY_MS });
  } catch (err) {
    if (err instanceof FeedError) return refuse(ctx, feedPath, err);
    throw err;
  }
  await writeOutput(feedPath, edited.text);
  const { feed } = edited;
  if (ctx.json) {
    printJson(ctx, {
      ok: true,
      feed: feedPath,
      created: existing === null,
      replaced: edited.replaced,
      sequence: feed.sequence,
      issued: feed.issued,
      expires: feed.expires,
      release,
    });
  } else {
    const what = edited.replaced ? 'replaced' : 'added';
    ctx.out(
      `${feedPath}: ${what} ${release.product} ${release.version} (${release.channel}, ${matchText(release)}), ${release.size} bytes; sequence ${feed.sequence}, expires ${feed.expires}\n` +
        `sign it: fieldflash feed sign --key FEED-KEY.pem ${feedPath}\n`,
    );
  }
  return EXIT.ok;
}

async function signCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('feed sign', argv, {
    key: { type: 'string', short: 'k' },
    output: { type: 'string', short: 'o' },
  });
  const feedPath = requireOne('feed sign', positionals, 'feed file');
  const keyPath = str(values.key);
  if (keyPath === undefined) throw new UsageError('feed sign: --key KEY.pem is required');
  const key = await loadPrivateKey(keyPath);
  if (key.type !== 'ed25519') {
    throw new UsageError(
      `feed sign: feeds are signed with Ed25519, and ${keyPath} is a ${key.type} key; make a feed key with \`fieldflash keygen --type ed25519 -o feed-key.pem\``,
    );
  }
  const json = await readInput(feedPath);
  let signature: string;
  let sequence: number;
  try {
    signature = signFeed(json, key);
    sequence = parseFeed(json).sequence;
  } catch (err) {
    if (err instanceof FeedError) return refuse(ctx, feedPath, err);
    throw err;
  }
  const output = str(values.output) ?? `${feedPath}.sig`;
  await writeOutput(output, signature);
  const signer = trustKey(key.publicKey, keyPath);
  if (ctx.json)
    printJson(ctx, {
      ok: true,
      feed: feedPath,
      signature: output,
      sequence,
      signer: { keyId: signer.keyId, fingerprint: signer.fingerprint },
    });
  else
    ctx.out(`${output}: signed ${feedPath} (sequence ${sequence}) with key id ${signer.keyId}\n`);
  return EXIT.ok;
}

function matchText(r: Release): string {
  const parts = [];
  if (r.match.board !== undefined) parts.push(`board ${r.match.board}`);
  if (r.match.bleNamePrefix !== undefined) parts.push(`name ${r.match.bleNamePrefix}*`);
  return parts.join(', ');
}

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

async function verifySubcommand(argv: string[], ctx: CliContext): Promise<number> {
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

const SUBCOMMANDS: Record<string, (argv: string[], ctx: CliContext) => Promise<number>> = {
  add: addCommand,
  sign: signCommand,
  verify: verifySubcommand,
};

export async function feedCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (!run) {
    throw new UsageError(
      sub === undefined
        ? 'feed: expected add, sign or verify'
        : `feed: unknown subcommand "${sub}" (add, sign or verify)`,
    );
  }
  return run(rest, ctx);
}
