/**
 * The verification card: genuine or not, in plain words, with the facts a
 * technician compares (signer, fingerprint, version, hash) and the detail a
 * developer needs.
 * @module
 */
import type { CheckedImage, UnreadableImage } from '../app/image-check.ts';
import { REASON_SUMMARY, SIGNATURE_LABEL, type ImageOk } from '../core/image/index.ts';

function kib(n: number): string {
  return n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(1)} KiB (${n} bytes)`;
}

function Details({ v, fileSize }: { v: ImageOk; fileSize: number }) {
  const signer = v.signature?.signer;
  return (
    <dl class="facts">
      <dt>Version</dt>
      <dd>{v.versionText}</dd>
      {signer && v.signature && (
        <>
          <dt>Signed by</dt>
          <dd>
            {signer.name} ({SIGNATURE_LABEL[v.signature.type]})
          </dd>
          <dt>Key fingerprint</dt>
          <dd class="mono">SHA256:{signer.fingerprint}</dd>
        </>
      )}
      <dt>Image size</dt>
      <dd>{kib(v.layout.tlvEnd)}</dd>
      <dt>Image hash</dt>
      <dd class="mono">
        {v.hashAlg.toUpperCase()} {v.imageHash}
      </dd>
      <dt>Security counter</dt>
      <dd>{v.securityCounter ?? 'none'}</dd>
      {v.dependencies.map((d) => (
        <>
          <dt>Requires</dt>
          <dd>
            image {d.imageId} ≥ {d.version.major}.{d.version.minor}.{d.version.revision}
          </dd>
        </>
      ))}
      {v.flagNames.length > 0 && (
        <>
          <dt>Flags</dt>
          <dd>{v.flagNames.join(', ')}</dd>
        </>
      )}
      {v.trailer && (
        <>
          <dt>Padding</dt>
          <dd>
            This file is padded to a {kib(fileSize)} slot; only the first {kib(v.layout.tlvEnd)} are
            the image.
          </dd>
        </>
      )}
    </dl>
  );
}

export function VerdictCard({ result }: { result: CheckedImage | UnreadableImage }) {
  if ('error' in result) {
    return (
      <article class="card card-bad">
        <h2>Cannot read {result.fileName}</h2>
        <p>{result.error}</p>
      </article>
    );
  }
  const v = result.verdict;
  if (!v.ok) {
    return (
      <article class="card card-bad">
        <h2>Not genuine: do not install</h2>
        <p class="file">{result.fileName}</p>
        <p class="summary">{REASON_SUMMARY[v.reason]}</p>
        <p class="detail">
          <span class="tag">{v.reason}</span> {v.detail}
        </p>
        {v.versionText && <p>The header says version {v.versionText}.</p>}
      </article>
    );
  }
  return (
    <article class="card card-good">
      <h2>Genuine firmware</h2>
      <p class="file">{result.fileName}</p>
      <Details v={v} fileSize={result.fileSize} />
    </article>
  );
}
