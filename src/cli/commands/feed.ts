/**
 * `fieldflash feed add|sign|verify`: publishing a signed release feed and
 * checking one the way the app will (core/feed). A feed that says no (bad
 * signature, rollback, expired, malformed) is a verdict: exit 1 with
 * `{ok:false, code, message}` under --json; bad flags and unreadable files
 * are exit 2 (DESIGN.md "CLI").
 * @module
 */
import { FeedError, parseFeed, signFeed } from '../../core/feed/index.ts';
import { trustKey } from '../../core/keys/index.ts';
import { parseCommandArgs, requireOne, str } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { readInput, writeOutput } from '../io.ts';
import { loadPrivateKey } from '../keys.ts';
import { addCommand } from './feed-add.ts';
import { refuse } from './feed-common.ts';
import { verifySubcommand } from './feed-verify.ts';

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
