/**
 * PEM armour (RFC 7468): `-----BEGIN LABEL-----`, base64, `-----END LABEL-----`.
 * Base64 comes from @scure/base.
 * @module
 */
import { base64 } from '@scure/base';
import { latin1String } from '../bytes.ts';

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. Blocks whose base64 is broken are reported as errors. */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK_RE)) {
    const label = m[1] ?? '';
    const body = (m[2] ?? '').replace(/\s+/g, '');
    // Encrypted legacy PEM carries "Proc-Type:" headers; they are not base64.
    if (body.includes(':')) {
      blocks.push({ label: `${label} (with headers)`, der: new Uint8Array(0) });
      continue;
    }
    blocks.push({ label, der: base64.decode(body) });
  }
  return blocks;
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = base64.encode(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function looksLikePem(bytes: Uint8Array): boolean {
  const head = latin1String(bytes.subarray(0, Math.min(bytes.length, 4096)));
  return head.includes('-----BEGIN ');
}
