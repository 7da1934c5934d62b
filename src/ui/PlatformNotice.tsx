/**
 * What works in this browser: the links it offers (Bluetooth, USB serial, the
 * demo device) and, for each missing one, one sentence on why and what to use
 * instead. Renders a `PlatformReport` from app/platform.ts; reads nothing
 * from the browser itself.
 * @module
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { readPlatform, type PlatformLink, type PlatformReport } from '../app/platform.ts';
import './platform.css';

const LINK_NAMES: Record<PlatformLink, string> = {
  bluetooth: 'Bluetooth',
  serial: 'USB serial',
  demo: 'Demo device',
};

/** This browser's report, read once after mount (null until it is known). */
export function usePlatformReport(enabled = true): PlatformReport | null {
  const [report, setReport] = useState<PlatformReport | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    void readPlatform().then((r) => {
      if (live) setReport(r);
    });
    return () => {
      live = false;
    };
  }, [enabled]);
  return report;
}

export interface PlatformNoticeProps {
  /**
   * The report to show. Omitted: the component reads this browser's own
   * (`readPlatform()`). Null: nothing is shown yet (e.g. still being read).
   */
  readonly report?: PlatformReport | null | undefined;
}

export function PlatformNotice({ report: given }: PlatformNoticeProps) {
  const own = usePlatformReport(given === undefined);
  const report = given === undefined ? own : given;
  const titleId = useId();
  if (!report) return null;

  const all = report.missing.length === 0 && report.notes.length === 0;
  const name = (link: PlatformLink) =>
    link === 'serial' && report.notes.some((n) => n.topic === 'serial-bluetooth-only')
      ? 'Bluetooth serial'
      : LINK_NAMES[link];
  return (
    <section class={`platform ${all ? 'platform-all' : 'platform-some'}`} aria-labelledby={titleId}>
      <h2 id={titleId} class="platform-title">
        What works in this browser
      </h2>
      <p class="platform-browser">{report.label}</p>
      <ul class="platform-links" aria-label="Works here">
        {report.links.map((link) => (
          <li key={link} class="platform-link">
            <span aria-hidden="true">✓ </span>
            {name(link)}
          </li>
        ))}
      </ul>
      {report.missing.length > 0 && (
        <ul class="platform-missing" aria-label="Not available here">
          {report.missing.map((m) => (
            <li key={m.link} data-reason={m.reason}>
              <strong>No {LINK_NAMES[m.link]}:</strong> {m.why} {m.instead}
            </li>
          ))}
        </ul>
      )}
      {report.notes.length > 0 && (
        <ul class="platform-notes" aria-label="Good to know">
          {report.notes.map((n) => (
            <li key={n.topic}>{n.text}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
