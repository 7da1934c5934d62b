/**
 * Which browser on which system, from what the page can observe — used only to
 * explain a missing link and pick the alternative (platform.ts decides what
 * works by feature detection).
 * @module
 */

/** `navigator.userAgentData` (Chromium only), as far as it is used here. */
export interface UserAgentDataLike {
  readonly brands?: readonly { readonly brand: string; readonly version: string }[] | undefined;
  readonly mobile?: boolean | undefined;
  readonly platform?: string | undefined;
}

/** What the page can observe about its browser; `readPlatform()` fills it from the globals. */
export interface PlatformEnv {
  readonly isSecureContext: boolean;
  readonly userAgent: string;
  readonly userAgentData?: UserAgentDataLike | undefined;
  /** `navigator.maxTouchPoints`: tells an iPad (which reports a Mac user agent) from a Mac. */
  readonly maxTouchPoints?: number | undefined;
  /** `navigator.bluetooth` is present. */
  readonly hasBluetooth: boolean;
  /** `await navigator.bluetooth.getAvailability()`, where present and answered. */
  readonly bluetoothAvailable?: boolean | undefined;
  /** `navigator.serial` is present. */
  readonly hasSerial: boolean;
  readonly hasServiceWorker: boolean;
  readonly hasWakeLock: boolean;
  /** Running as an installed app (`display-mode: standalone`). */
  readonly standalone: boolean;
}

export type OsFamily = 'windows' | 'macos' | 'linux' | 'chromeos' | 'android' | 'ios' | 'other';

export type BrowserFamily =
  'chrome' | 'edge' | 'opera' | 'samsung' | 'chromium' | 'firefox' | 'safari' | 'other';

export interface Browser {
  readonly os: OsFamily;
  readonly browser: BrowserFamily;
  readonly version: number | null;
}

function major(ua: string, token: RegExp): number | null {
  const m = token.exec(ua);
  return m?.[1] ? Number.parseInt(m[1], 10) : null;
}

export function detectOs(env: PlatformEnv): OsFamily {
  const ua = env.userAgent;
  const hint = env.userAgentData?.platform?.toLowerCase();
  if (/iPhone|iPad|iPod/.test(ua)) return 'ios';
  // iPadOS Safari asks for desktop sites with a Mac user agent; a touch screen gives it away.
  if (/Macintosh/.test(ua) && (env.maxTouchPoints ?? 0) > 1) return 'ios';
  if (hint === 'android' || /Android/.test(ua)) return 'android';
  if (hint === 'chrome os' || hint === 'chromeos' || /CrOS/.test(ua)) return 'chromeos';
  if (hint === 'windows' || /Windows/.test(ua)) return 'windows';
  if (hint === 'macos' || /Macintosh|Mac OS X/.test(ua)) return 'macos';
  if (hint === 'linux' || /Linux|X11/.test(ua)) return 'linux';
  return 'other';
}

export function detectBrowser(env: PlatformEnv, os: OsFamily): Browser {
  const ua = env.userAgent;
  const at = (browser: BrowserFamily, token: RegExp): Browser => ({
    os,
    browser,
    version: major(ua, token),
  });
  if (os === 'ios') {
    if (/CriOS\//.test(ua)) return at('chrome', /CriOS\/(\d+)/);
    if (/FxiOS\//.test(ua)) return at('firefox', /FxiOS\/(\d+)/);
    if (/EdgiOS\//.test(ua)) return at('edge', /EdgiOS\/(\d+)/);
    if (/OPiOS\/|OPT\//.test(ua)) return at('opera', /(?:OPiOS|OPT)\/(\d+)/);
    if (/Safari\//.test(ua)) return at('safari', /Version\/(\d+)/);
    return at('other', /$^/);
  }
  if (/Edg(?:A)?\//.test(ua)) return at('edge', /Edg(?:A)?\/(\d+)/);
  if (/OPR\//.test(ua)) return at('opera', /OPR\/(\d+)/);
  if (/SamsungBrowser\//.test(ua)) return at('samsung', /SamsungBrowser\/(\d+)/);
  if (/Firefox\//.test(ua)) return at('firefox', /Firefox\/(\d+)/);
  if (/Chrome\//.test(ua)) {
    const brands = env.userAgentData?.brands ?? [];
    const google = brands.some((b) => b.brand === 'Google Chrome');
    const chromiumOnly = brands.length > 0 && !google;
    return at(chromiumOnly ? 'chromium' : 'chrome', /Chrome\/(\d+)/);
  }
  if (/Safari\//.test(ua) && /Version\//.test(ua)) return at('safari', /Version\/(\d+)/);
  return at('other', /$^/);
}

export const BROWSER_NAMES: Record<BrowserFamily, string> = {
  chrome: 'Chrome',
  edge: 'Edge',
  opera: 'Opera',
  samsung: 'Samsung Internet',
  chromium: 'A Chromium-based browser',
  firefox: 'Firefox',
  safari: 'Safari',
  other: 'This browser',
};

const OS_NAMES: Record<OsFamily, string> = {
  windows: 'Windows',
  macos: 'macOS',
  linux: 'Linux',
  chromeos: 'ChromeOS',
  android: 'Android',
  ios: 'iPhone or iPad',
  other: '',
};

export function label(b: Browser): string {
  const os = OS_NAMES[b.os];
  return os ? `${BROWSER_NAMES[b.browser]} on ${os}` : BROWSER_NAMES[b.browser];
}
