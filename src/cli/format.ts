/**
 * Human-readable renderings of verdicts and image layouts for the terminal.
 * @module
 */
import {
  formatVersion,
  REASON_SUMMARY,
  SIGNATURE_LABEL,
  type ImageInvalid,
  type ImageOk,
} from '../core/image/index.ts';

const row = (label: string, value: string) => `  ${label.padEnd(17)}${value}\n`;
const hex32 = (n: number) => '0x' + n.toString(16).padStart(8, '0');

export function describeValid(file: string, v: ImageOk): string {
  const sig = v.signature;
  const lines = [`valid: ${file}\n`];
  lines.push(row('version', v.versionText));
  if (!sig) lines.push(row('signature', 'none (unsigned image; hash checked)'));
  else if (!sig.checked)
    lines.push(
      row('signature', `${SIGNATURE_LABEL[sig.type]}, NOT checked (no --key given; hash only)`),
    );
  else if (sig.signer) {
    lines.push(
      row(
        'signed by',
        `${sig.signer.name} (key id ${sig.signer.keyId}), ${SIGNATURE_LABEL[sig.type]}`,
      ),
    );
    lines.push(row('key fingerprint', `SHA256:${sig.signer.fingerprint}`));
  }
  lines.push(row('image hash', `${v.hashAlg.toUpperCase()} ${v.imageHash}`));
  lines.push(
    row(
      'security counter',
      v.securityCounter === null ? 'none' : `${v.securityCounter} (${hex32(v.securityCounter)})`,
    ),
  );
  for (const d of v.dependencies)
    lines.push(row('depends on', `image ${d.imageId} >= ${formatVersion(d.version)}`));
  if (v.flagNames.length) lines.push(row('flags', v.flagNames.join(', ')));
  if (!v.bootable) lines.push(row('bootable', 'no (NON_BOOTABLE flag set)'));
  const l = v.layout;
  lines.push(
    row(
      'size',
      `${l.tlvEnd} bytes (header ${l.headerSize}, body ${l.bodySize}, TLVs ${l.tlvEnd - l.headerSize - l.bodySize})`,
    ),
  );
  if (v.trailer) {
    const t = v.trailer;
    lines.push(
      row(
        'trailer',
        `padded to ${t.slotSize} bytes; magic ${t.magic ? 'present' : 'absent'}; image_ok ${t.imageOk}`,
      ),
    );
  }
  return lines.join('');
}

export function describeInvalid(file: string, v: ImageInvalid): string {
  return (
    `INVALID: ${file}\n` +
    row('problem', REASON_SUMMARY[v.reason]) +
    row('reason', v.reason) +
    row('detail', v.detail) +
    (v.versionText ? row('version', v.versionText) : '')
  );
}
