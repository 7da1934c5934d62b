/**
 * `fieldflash upload IMAGE --port PATH`: a plain sequential upload to the
 * device's free slot. The image is verified first (against --key, or its hash
 * alone) and never sent if it fails. Marking it for test and resetting are
 * separate commands; `update` (the verified, resumable flow) comes with the
 * engine.
 * @module
 */
import { uploadSequential } from '../../client/upload-sequential.ts';
import { flag, parseBasedInt, parseCommandArgs, requireOne, str, strs } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { loadTrustedKey } from '../keys.ts';
import { readVerifiedImage } from '../verified-image.ts';
import { DEVICE_HELP, DEVICE_OPTIONS, withDevice } from '../device/session.ts';

export const UPLOAD_HELP = `usage: fieldflash upload IMAGE --port PATH [--key PUB]... [options]

Verifies IMAGE, then uploads it to the device's free slot, one chunk at a time.
Nothing is sent if the image fails verification.
  -k, --key FILE      trusted public key (repeatable); without: hash-only check
      --image N       image number on multi-image devices (default 0)
      --upgrade       ask the device to refuse an image that is not newer
${DEVICE_HELP}
exit: 0 uploaded, 1 invalid image or the device refused, 2 usage, port or link failure`;

export async function uploadCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('upload', argv, {
    ...DEVICE_OPTIONS,
    key: { type: 'string', short: 'k', multiple: true },
    image: { type: 'string' },
    upgrade: { type: 'boolean' },
  });
  const file = requireOne('upload', positionals, 'image file');
  const keys = await Promise.all(strs(values['key']).map(loadTrustedKey));
  const checked = await readVerifiedImage('upload', file, keys, ctx);
  if (!checked) return EXIT.rejected;
  const { bytes, verdict } = checked;
  if (keys.length === 0 && !ctx.json)
    ctx.err('note: no --key given, so only the image hash was checked, not its signature\n');
  const upload = bytes.subarray(0, verdict.layout.tlvEnd); // never the slot padding
  const imageIndex = str(values['image']);
  let shown = -1;
  const result = await withDevice('upload', values, async ({ client, link }) =>
    uploadSequential(client, upload, {
      maxFrame: link.maxFrame,
      ...(imageIndex !== undefined
        ? { imageIndex: parseBasedInt(imageIndex, 'upload: --image') }
        : {}),
      ...(flag(values['upgrade']) ? { upgrade: true } : {}),
      onProgress: ({ sent, total }) => {
        // A line each time another tenth is done (one chunk may jump past several).
        const tenth = Math.floor((sent / total) * 10);
        if (!ctx.json && tenth !== shown) {
          ctx.err(`uploaded ${Math.floor((sent / total) * 100)}% (${sent}/${total} bytes)\n`);
        }
        shown = tenth;
      },
    }),
  );
  const summary = {
    ok: true,
    file,
    bytes: upload.length,
    version: verdict.versionText,
    hash: verdict.sha256,
    match: result.match ?? null,
  };
  if (ctx.json) printJson(ctx, summary);
  else {
    const check =
      result.match === true
        ? ', device checked its SHA-256'
        : result.match === false
          ? ', but the device says its SHA-256 does NOT match'
          : '';
    ctx.out(
      `uploaded ${file} (version ${verdict.versionText}, ${upload.length} bytes)${check}\nnext: fieldflash test ${verdict.sha256 ?? 'HASH'} --port … then fieldflash reset --port …\n`,
    );
  }
  return result.match === false ? EXIT.rejected : EXIT.ok;
}
