/**
 * MCUboot image versions: `major.minor.revision+build`, packed in the header as
 * u8, u8, u16, u32 (research/protocols.md §1.2). Parsing follows imgtool's
 * "semi-semantic" syntax `maj[.min[.rev[+build]]]` (imgtool version.py).
 * @module
 */
import { FieldflashError } from '../errors.ts';

export interface ImageVersion {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
  readonly build: number;
}

export class VersionFormatError extends FieldflashError {
  readonly code = 'bad-version';
  constructor(
    readonly text: string,
    why: string,
  ) {
    super(`"${text}" is not a valid image version: ${why}`);
  }
}

// Same grammar as imgtool: no leading zeros, later parts optional.
const VERSION_RE = /^(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\+(0|[1-9]\d*))?)?)?$/;
const LIMITS = { major: 0xff, minor: 0xff, revision: 0xffff, build: 0xffffffff } as const;

export function parseVersion(text: string): ImageVersion {
  const m = VERSION_RE.exec(text.trim());
  if (!m)
    throw new VersionFormatError(text, 'expected major.minor.revision+build, later parts optional');
  const version = {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    revision: Number(m[3] ?? 0),
    build: Number(m[4] ?? 0),
  };
  for (const field of ['major', 'minor', 'revision', 'build'] as const) {
    if (version[field] > LIMITS[field]) {
      throw new VersionFormatError(text, `${field} must be at most ${LIMITS[field]}`);
    }
  }
  return version;
}

/** imgtool's notation, `1.2.3+4` (always with the build number). */
export function formatVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}+${v.build}`;
}

/**
 * The notation Zephyr's img_mgmt and MCUboot serial recovery report over SMP:
 * `maj.min.rev`, plus `.build` only when the build number is not 0
 * (`img_mgmt_ver_str`, research/protocols.md §1.2).
 */
export function formatDeviceVersion(v: ImageVersion): string {
  const base = `${v.major}.${v.minor}.${v.revision}`;
  return v.build === 0 ? base : `${base}.${v.build}`;
}

/**
 * Orders two versions. Zephyr compares major, minor, revision and only with
 * CONFIG_MCUMGR_GRP_IMG_VERSION_CMP_USE_BUILD_NUMBER the build number, so that
 * is an option here too (`img_mgmt_vercmp`).
 */
export function compareVersions(
  a: ImageVersion,
  b: ImageVersion,
  options: { useBuild?: boolean } = {},
): number {
  const fields = options.useBuild
    ? (['major', 'minor', 'revision', 'build'] as const)
    : (['major', 'minor', 'revision'] as const);
  for (const f of fields) if (a[f] !== b[f]) return a[f] < b[f] ? -1 : 1;
  return 0;
}

/** imgtool's `--security-counter auto`: `major << 24 | minor << 16 | revision` (image.py). */
export function autoSecurityCounter(v: ImageVersion): number {
  return ((v.major << 24) >>> 0) + (v.minor << 16) + v.revision;
}
