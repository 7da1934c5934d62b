/**
 * `fieldflash sign [imgtool flags] INFILE OUTFILE`: makes an MCUboot image,
 * taking imgtool's flag names and meanings, so existing build scripts can
 * switch tools. `.hex` input/output is Intel HEX, anything else binary (as in
 * imgtool). The output is verified against the key before it is written, and
 * written atomically: a failed run leaves no file behind.
 * @module
 */
import { bytesToHex, utf8ToBytes } from '../../core/bytes.ts';
import { FieldflashError } from '../../core/errors.ts';
import {
  formatIntelHex,
  padImage,
  parseVersion,
  readImageFile,
  signImage,
  verifyImage,
  type Dependency,
  type FlashAlign,
  type SignOptions,
} from '../../core/image/index.ts';
import { trustKey } from '../../core/keys/index.ts';
import {
  flag,
  parseBasedInt,
  parseCommandArgs,
  splitPair,
  str,
  strs,
  type OptionSpec,
} from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, InFileError, UsageError } from '../errors.ts';
import { keyNameFromPath, readInput, writeOutput } from '../io.ts';
import { loadPrivateKey } from '../keys.ts';

export const SIGN_HELP = `usage: fieldflash sign [options] INFILE OUTFILE

Creates a signed (or, without --key, unsigned) MCUboot image. Options follow
imgtool sign; .hex files are Intel HEX, anything else raw binary.

  -k, --key FILE              private signing key (Ed25519, ECDSA P-256, RSA-2048/3072)
  -v, --version M.m.r+b       image version (required)
  -H, --header-size N         header size, >= 32 (required)
      --pad-header            prepend the header area (else INFILE must start with N zero bytes)
  -S, --slot-size N           slot size (required)
      --align 1|2|4|8|16|32   flash write alignment (default 1)
      --max-align 8|16|32     trailer alignment (default max(8, align))
  -M, --max-sectors N         sectors in the swap status area (default 128)
      --pad                   pad to the slot size and add the trailer magic
      --confirm               pad and mark the image confirmed (image_ok)
      --test                  pad and mark the image for a test swap
      --overwrite-only        trailer for overwrite-only upgrades
  -R, --erased-val 0|0xff     erased flash value (default 0xff)
  -s, --security-counter N|auto  add a SEC_CNT TLV (auto = version-derived)
  -d, --dependencies "(ID,VER), ..."  add DEPENDENCY TLVs
      --custom-tlv TAG VALUE  vendor TLV (TAG 0xa0..0xfffe; VALUE 0x-hex or text); repeatable
      --custom-tlv-file TAG FILE  vendor TLV from a file; repeatable
  -L, --load-addr ADDR        RAM load address (sets RAM_LOAD)
  -F, --rom-fixed ADDR        fixed flash address (sets ROM_FIXED)
      --non-bootable          set NON_BOOTABLE
      --public-key-format hash|full  KEYHASH (default) or the full PUBKEY
      --sha auto|256|384|512  hash algorithm (auto: 256)
      --pure                  Ed25519 over the image itself (MCUBOOT_SIGN_PURE)
      --pad-sig               pad ECDSA signatures to 72 bytes (MCUboot < 1.5)
  -x, --hex-addr ADDR         base address for Intel HEX output
  -e, --endian little         only little-endian is supported
      --json                  print a summary as JSON
exit: 0 signed, 2 usage or file error`;

const OPTIONS: OptionSpec = {
  key: { type: 'string', short: 'k' },
  version: { type: 'string', short: 'v' },
  'header-size': { type: 'string', short: 'H' },
  'pad-header': { type: 'boolean' },
  'slot-size': { type: 'string', short: 'S' },
  align: { type: 'string' },
  'max-align': { type: 'string' },
  'max-sectors': { type: 'string', short: 'M' },
  pad: { type: 'boolean' },
  confirm: { type: 'boolean' },
  test: { type: 'boolean' },
  'overwrite-only': { type: 'boolean' },
  'erased-val': { type: 'string', short: 'R' },
  'security-counter': { type: 'string', short: 's' },
  dependencies: { type: 'string', short: 'd' },
  'custom-tlv': { type: 'string', multiple: true },
  'custom-tlv-file': { type: 'string', multiple: true },
  'load-addr': { type: 'string', short: 'L' },
  'rom-fixed': { type: 'string', short: 'F' },
  'non-bootable': { type: 'boolean' },
  'public-key-format': { type: 'string' },
  sha: { type: 'string' },
  pure: { type: 'boolean' },
  'pad-sig': { type: 'boolean' },
  'hex-addr': { type: 'string', short: 'x' },
  endian: { type: 'string', short: 'e' },
};

/** imgtool options fieldflash deliberately does not implement, and why. */
const UNSUPPORTED: Record<string, string> = {
  encrypt: 'encrypted images cannot be verified before upload, which is the point of fieldflash',
  E: 'encrypted images cannot be verified before upload, which is the point of fieldflash',
  clear: 'it only makes sense with encryption',
  c: 'it only makes sense with encryption',
  'encrypt-keylen': 'it only makes sense with encryption',
  'save-enctlv': 'it only makes sense with encryption',
  'hmac-sha': 'it only makes sense with encryption',
  compression: 'compressed images are not supported yet',
  'boot-record': 'measured-boot records are not supported yet',
  vid: 'UUID vendor ids are not supported yet',
  cid: 'UUID class ids are not supported yet',
  'fix-sig': 'external signatures are not supported yet',
  'fix-sig-pubkey': 'external signatures are not supported yet',
  'sig-out': 'external signatures are not supported yet',
  'vector-to-sign': 'external signatures are not supported yet',
};

function rejectUnsupported(argv: readonly string[]): void {
  for (const arg of argv) {
    const m = /^--?([a-zA-Z-]+)/.exec(arg);
    const why = m?.[1] !== undefined ? UNSUPPORTED[m[1]] : undefined;
    if (m && why && (arg.startsWith('--') || m[1]?.length === 1)) {
      throw new UsageError(`sign: imgtool's ${arg} is not supported: ${why}`);
    }
  }
}

function choice<T extends string | number>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  parse: (s: string) => T,
): T | undefined {
  if (value === undefined) return undefined;
  const v = parse(value);
  if (!allowed.includes(v))
    throw new UsageError(`sign: --${name} must be one of ${allowed.join(', ')}, not ${value}`);
  return v;
}

/** imgtool `get_dependencies`: `"(1,2.0.0+0), (2,1.3)"`. */
function parseDependencies(text: string): Dependency[] {
  const ids = [...text.matchAll(/\((\d+)/g)].map((m) => Number(m[1]));
  const versions = [...text.matchAll(/,\s*([0-9.+]+)\)/g)].map((m) => m[1] ?? '');
  if (ids.length === 0)
    throw new UsageError(`sign: --dependencies "${text}" is not of the form "(ID,VERSION), ..."`);
  if (ids.length !== versions.length)
    throw new UsageError(
      `sign: --dependencies "${text}" has ${ids.length} images but ${versions.length} versions`,
    );
  return ids.map((imageId, i) => {
    if (imageId > 255)
      throw new UsageError(`sign: dependency image id ${imageId} must be at most 255`);
    return { imageId, version: parseVersion(versions[i] ?? '') };
  });
}

async function customTlvs(values: ReturnType<typeof parseCommandArgs>['values']) {
  const out: { type: number; value: Uint8Array }[] = [];
  for (const pair of strs(values['custom-tlv'])) {
    const [tag, value] = splitPair(pair);
    const type = parseBasedInt(tag, 'sign: --custom-tlv tag');
    if (value.startsWith('0x')) {
      const digits = value.slice(2);
      if (digits.length % 2 || !/^[0-9a-fA-F]*$/.test(digits)) {
        throw new UsageError(`sign: --custom-tlv value ${value} is not whole hex bytes`);
      }
      out.push({ type, value: Uint8Array.from(digits.match(/../g) ?? [], (h) => parseInt(h, 16)) });
    } else {
      out.push({ type, value: utf8ToBytes(value) });
    }
  }
  for (const pair of strs(values['custom-tlv-file'])) {
    const [tag, path] = splitPair(pair);
    out.push({
      type: parseBasedInt(tag, 'sign: --custom-tlv-file tag'),
      value: await readInput(path),
    });
  }
  return out;
}

export async function signCommand(argv: string[], ctx: CliContext): Promise<number> {
  rejectUnsupported(argv);
  const { values, positionals } = parseCommandArgs('sign', argv, OPTIONS, [
    'custom-tlv',
    'custom-tlv-file',
  ]);
  const [infile, outfile, ...extra] = positionals;
  if (!infile || !outfile || extra.length)
    throw new UsageError('sign: expected INFILE and OUTFILE');
  const need = (name: string) => {
    const v = str(values[name]);
    if (v === undefined) throw new UsageError(`sign: --${name} is required`);
    return v;
  };
  const int = (name: string) => {
    const v = str(values[name]);
    return v === undefined ? undefined : parseBasedInt(v, `sign: --${name}`);
  };
  if ((str(values.endian) ?? 'little') !== 'little')
    throw new UsageError('sign: only --endian little is supported');

  const sc = str(values['security-counter']);
  const options: SignOptions = {
    version: parseVersion(need('version')),
    headerSize: parseBasedInt(need('header-size'), 'sign: --header-size'),
    padHeader: flag(values['pad-header']),
    slotSize: parseBasedInt(need('slot-size'), 'sign: --slot-size'),
    align:
      choice(
        'align',
        str(values.align),
        [1, 2, 4, 8, 16, 32] as const,
        (s) => Number(s) as FlashAlign,
      ) ?? 1,
    ...optional(
      'maxAlign',
      choice('max-align', str(values['max-align']), [8, 16, 32] as const, (s) => Number(s) as 8),
    ),
    ...optional('maxSectors', int('max-sectors')),
    pad: flag(values.pad),
    confirm: flag(values.confirm),
    test: flag(values.test),
    overwriteOnly: flag(values['overwrite-only']),
    erasedVal:
      choice('erased-val', str(values['erased-val']), ['0', '0xff'] as const, (s) => s as '0') ===
      '0'
        ? 0
        : 0xff,
    ...optional(
      'securityCounter',
      sc === undefined
        ? undefined
        : sc.toLowerCase() === 'auto'
          ? 'auto'
          : parseBasedInt(sc, 'sign: --security-counter'),
    ),
    dependencies:
      str(values.dependencies) === undefined
        ? []
        : parseDependencies(str(values.dependencies) ?? ''),
    customTlvs: await customTlvs(values),
    ...optional('loadAddr', int('load-addr')),
    ...optional('romFixed', int('rom-fixed')),
    nonBootable: flag(values['non-bootable']),
    publicKeyFormat:
      choice(
        'public-key-format',
        str(values['public-key-format']),
        ['hash', 'full'] as const,
        (s) => s as 'hash',
      ) ?? 'hash',
    sha:
      choice('sha', str(values.sha), ['auto', '256', '384', '512'] as const, (s) => s as 'auto') ??
      'auto',
    pure: flag(values.pure),
    padSig: flag(values['pad-sig']),
  };
  const hexAddr = int('hex-addr');
  const keyPath = str(values.key);
  const key = keyPath === undefined ? null : await loadPrivateKey(keyPath);

  const input = await readInput(infile);
  let payload: Uint8Array;
  let inputBase: number | null;
  try {
    const file = readImageFile(input, /\.hex$/i.test(infile) ? 'ihex' : 'bin');
    payload = file.bytes;
    inputBase = file.baseAddress;
  } catch (err) {
    if (err instanceof FieldflashError) throw new InFileError(infile, err);
    throw err;
  }

  const signed = await signImage(payload, key, options, { subtle: ctx.subtle });

  // Never write an image we would refuse ourselves.
  const check = await verifyImage(
    signed.image,
    key ? [trustKey(key.publicKey, keyNameFromPath(keyPath ?? 'key'))] : [],
    { subtle: ctx.subtle },
  );
  if (!check.ok) throw new SelfCheckError(`${check.reason}: ${check.detail}`);

  let output: Uint8Array | string;
  if (/\.hex$/i.test(outfile)) {
    const base = hexBase(hexAddr, inputBase, options, infile);
    const blocks = [
      [0, signed.image] as const,
      ...signed.trailerWrites.map((w) => [w.offset, w.bytes] as const),
    ];
    const end = Math.max(...blocks.map(([offset, bytes]) => base + offset + bytes.length));
    if (end > 2 ** 32) {
      throw new UsageError(
        `sign: the image would end at 0x${end.toString(16)}, beyond the 32-bit addresses of Intel HEX`,
      );
    }
    output = formatIntelHex(blocks.map(([offset, bytes]) => [base + offset, bytes] as const));
  } else {
    output = padImage(signed);
  }
  await writeOutput(outfile, output);

  const summary = {
    ok: true,
    output: outfile,
    format: typeof output === 'string' ? 'ihex' : 'bin',
    imageSize: signed.image.length,
    fileSize: output.length,
    version: check.versionText,
    hashAlg: signed.hashAlg,
    hash: bytesToHex(signed.hash),
    signature: check.signature,
  };
  if (ctx.json) printJson(ctx, summary);
  else {
    const who = check.signature?.signer
      ? `signed by ${check.signature.signer.name} (key id ${check.signature.signer.keyId})`
      : 'unsigned';
    ctx.out(
      `${outfile}: version ${summary.version}, ${who}, ${signed.hashAlg.toUpperCase()} ${summary.hash}, ${signed.image.length} bytes\n`,
    );
  }
  return EXIT.ok;
}

/**
 * Where a HEX output starts: `--hex-addr`, else the HEX input's address moved
 * down by the header `--pad-header` adds (imgtool `Image.load`, which leaves a
 * base of 0 alone).
 */
function hexBase(
  hexAddr: number | undefined,
  inputBase: number | null,
  options: SignOptions,
  infile: string,
): number {
  if (hexAddr !== undefined) return hexAddr;
  if (inputBase === null)
    throw new UsageError('sign: Intel HEX output needs --hex-addr (the input has no address)');
  if (!options.padHeader || inputBase === 0) return inputBase;
  if (inputBase < options.headerSize) {
    throw new UsageError(
      `sign: ${infile} starts at 0x${inputBase.toString(16)}, below the ${options.headerSize}-byte header --pad-header puts in front of it; give --hex-addr`,
    );
  }
  return inputBase - options.headerSize;
}

/** The image just signed failed our own verification: a bug, never the user's input. */
class SelfCheckError extends FieldflashError {
  readonly code = 'internal-self-check';
  constructor(detail: string) {
    super(`internal error: the image just signed does not verify (${detail}); please report this`);
  }
}

/** `{ [name]: value }` only when value is defined (exactOptionalPropertyTypes). */
function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
