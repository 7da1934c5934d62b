/**
 * `fieldflash inspect IMAGE`: header, every TLV with its value, trailer, and a
 * hash-only check. Works on damaged images too, showing as much as parses.
 * @module
 */
import { bytesToHex } from '../../core/bytes.ts';
import { FieldflashError } from '../../core/errors.ts';
import {
  decodeHeader,
  flagNames,
  formatVersion,
  IMAGE_HEADER_SIZE,
  parseImage,
  readImageFile,
  verifyImage,
  type ImageFile,
} from '../../core/image/index.ts';
import { parseCommandArgs, requireOne } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, InFileError } from '../errors.ts';
import { describeInvalid } from '../format.ts';
import { readInput } from '../io.ts';

export const INSPECT_HELP = `usage: fieldflash inspect IMAGE

Prints an MCUboot image's header, TLVs and trailer, and checks its hash.
  --json   machine-readable output
exit: 0 the image parses and its hash matches, 1 it does not, 2 file error`;

const hex = (n: number, w = 8) => '0x' + n.toString(16).padStart(w, '0');

export async function inspectCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs('inspect', argv, {});
  const path = requireOne('inspect', positionals, 'image file');
  const data = await readInput(path);
  let file: ImageFile;
  try {
    file = readImageFile(data);
  } catch (err) {
    if (err instanceof FieldflashError) throw new InFileError(path, err);
    throw err;
  }
  const { bytes } = file;
  const header = bytes.length >= IMAGE_HEADER_SIZE ? decodeHeader(bytes) : null;
  const parsed = parseImage(bytes);
  const tlvs = parsed.ok
    ? parsed.image.tlvs.map(({ value, ...info }) => ({ ...info, value: bytesToHex(value) }))
    : [];
  const verdict = await verifyImage(bytes, [], { subtle: ctx.subtle });

  if (ctx.json) {
    printJson(ctx, {
      file: path,
      format: file.format,
      baseAddress: file.baseAddress,
      fileSize: bytes.length,
      header: header && {
        ...header,
        versionText: formatVersion(header.version),
        flagNames: flagNames(header.flags),
      },
      layout: parsed.ok ? parsed.image.layout : null,
      tlvs,
      verdict,
    });
    return verdict.ok ? EXIT.ok : EXIT.rejected;
  }

  let out = `${path}: ${file.format === 'ihex' ? `Intel HEX at ${hex(file.baseAddress ?? 0)}` : 'binary'}, ${bytes.length} bytes\n`;
  if (header) {
    out += `header\n`;
    out += `  magic            ${hex(header.magic)}\n`;
    out += `  version          ${formatVersion(header.version)}\n`;
    out += `  header size      ${header.hdrSize}\n`;
    out += `  body size        ${header.imgSize}\n`;
    out += `  protected TLVs   ${header.protectTlvSize}\n`;
    out += `  load address     ${hex(header.loadAddr)}\n`;
    out += `  flags            ${hex(header.flags)}${flagNames(header.flags).length ? ` (${flagNames(header.flags).join(', ')})` : ''}\n`;
  }
  if (parsed.ok) {
    out += `TLVs (hashed region: ${parsed.image.hashedLength} bytes; TLV area ends at ${parsed.image.layout.tlvEnd})\n`;
    for (const t of tlvs) {
      const shown = t.value.length > 64 ? `${t.value.slice(0, 64)}… (${t.len} bytes)` : t.value;
      out += `  ${hex(t.offset, 6)} ${t.protected ? 'protected  ' : 'unprotected'} ${t.name.padEnd(18)} ${shown}\n`;
    }
  }
  if (verdict.ok) {
    out += `hash ${verdict.hashAlg.toUpperCase()} matches: ${verdict.imageHash}\n`;
    if (verdict.trailer) {
      out += `trailer: padded to ${verdict.trailer.slotSize} bytes, magic ${verdict.trailer.magic ? 'present' : 'absent'}, image_ok ${verdict.trailer.imageOk}\n`;
    }
    out += `(signature not checked: use \`fieldflash verify --key KEY ${path}\`)\n`;
  } else {
    out += describeInvalid(path, verdict);
  }
  ctx.out(out);
  return verdict.ok ? EXIT.ok : EXIT.rejected;
}
