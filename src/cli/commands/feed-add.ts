/**
 * `fieldflash feed add FEED.json IMAGE …`: adds a checked image to a feed
 * (or creates it), raising the sequence and re-dating it (core/feed edit).
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
  type Release,
} from '../../core/feed/index.ts';
import { readImageFile, REASON_SUMMARY, verifyImage } from '../../core/image/index.ts';
import { parseBasedInt, parseCommandArgs, str } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, FileError, InFileError, UsageError } from '../errors.ts';
import { readInput, writeOutput } from '../io.ts';
import { DAY_MS, matchText, parseNow, refuse } from './feed-common.ts';

const MAX_VALID_DAYS = 3650;

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

export async function addCommand(argv: string[], ctx: CliContext): Promise<number> {
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
