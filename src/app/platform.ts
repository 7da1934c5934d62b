/**
 * Platform reach: which links this browser offers (Web Bluetooth, Web Serial,
 * the demo device) and, for each one it lacks, why in plain words and what to
 * use instead.
 *
 * `detectPlatform(env)` is pure: it takes what the page can observe as an
 * object, so every browser can be tested with a fake. `readPlatform()` reads
 * the real globals; it is the only code here that touches `navigator`.
 *
 * The verdict on a link comes from feature detection (is `navigator.bluetooth`
 * / `navigator.serial` there?). The user agent only explains an absence and
 * picks the alternative, so a browser that gains an API later just works.
 *
 * Facts behind the messages (checked 2026):
 * - Web Bluetooth ships without a flag in Chrome on Android, ChromeOS, macOS
 *   and Windows 10+; on Linux it is "partially implemented and not supported"
 *   and needs chrome://flags/#enable-experimental-web-platform-features
 *   (WebBluetoothCG/web-bluetooth implementation-status.md; Chromium's
 *   runtime_enabled_features.json5: WebBluetooth is "stable" on Android,
 *   ChromeOS, Mac, Win and "experimental" by default). Firefox and Safari have
 *   none (MDN browser-compat-data api/Bluetooth.json: firefox, safari,
 *   safari_ios false; caniuse lists Mozilla's position as "harmful").
 * - Web Serial: Chrome/Edge 89+, Opera 75+ on desktop; Chrome for Android
 *   138–147 only for Bluetooth RFCOMM serial ports ("Serial ports are only
 *   available if they're provided by Bluetooth RFCOMM serial port emulation"),
 *   fully from 148; Firefox desktop from 151 (behind a site-permission
 *   add-on, per Mozilla's dev-platform intent); Firefox for Android, Safari,
 *   iOS and Android WebView: no (MDN browser-compat-data api/Serial.json).
 * - Every browser on iPhone and iPad is built on Apple's WebKit (App Store
 *   Review Guideline 2.5.6), so Chrome or Firefox there have neither API.
 *   Bluefy ("Bluefy – Web BLE Browser", App Store id1492822055) and WebBLE
 *   (github.com/daphtdazz/WebBLE) are App Store browsers that add Web
 *   Bluetooth. (The iOSWebBLE Safari extension also exists, but it needs the
 *   page to load its polyfill script, which fieldflash does not.)
 * - Both APIs exist only in secure contexts (https://, or http://localhost):
 *   `[SecureContext]` in the Web Serial and Web Bluetooth IDL.
 * - `bluetooth.getAvailability()` resolves false when there is no adapter,
 *   when a Permissions-Policy blocks Bluetooth, or when the user configured
 *   the browser so (MDN Bluetooth/getAvailability); a powered-off adapter
 *   still reports true (WPT bluetooth/adapter-powered-off-getAvailability).
 * - Screen Wake Lock: Chrome 84, Firefox 126, Safari 16.4, iOS 18.4 (iOS
 *   16.4–18.3 not in Home Screen apps) (MDN browser-compat-data WakeLock.json).
 * @module
 */

import {
  BROWSER_NAMES,
  detectBrowser,
  detectOs,
  label,
  type Browser,
  type BrowserFamily,
  type OsFamily,
  type PlatformEnv,
  type UserAgentDataLike,
} from './platform-browser.ts';

export type {
  BrowserFamily,
  OsFamily,
  PlatformEnv,
  UserAgentDataLike,
} from './platform-browser.ts';

/** A way to reach a device from this page. */
export type PlatformLink = 'bluetooth' | 'serial' | 'demo';

/** Why a link is missing; stable codes for tests and for the UI to branch on. */
export type MissingReason =
  /** http:// page other than localhost: browsers hide both APIs. */
  | 'insecure-context'
  /** iPhone / iPad: WebKit has neither API, whatever the browser's name. */
  | 'ios'
  /** This browser (Firefox, Safari, …) does not implement the API. */
  | 'browser'
  /** Chrome on Linux: Web Bluetooth is behind a flag. */
  | 'linux-flag'
  /** Android: Web Serial needs Chrome 138+ (Bluetooth serial) / 148+ (USB). */
  | 'android-serial'
  /** A Chromium browser that normally has the API has it switched off (Brave, a WebView, policy). */
  | 'disabled'
  /** `getAvailability()` said no: no adapter, Bluetooth off, or blocked for this page. */
  | 'no-adapter';

export interface MissingLink {
  readonly link: 'bluetooth' | 'serial';
  readonly reason: MissingReason;
  /** Why, in one short sentence. */
  readonly why: string;
  /** What to do or use instead, in one short sentence. */
  readonly instead: string;
}

/** Something that works, but with a limit worth knowing. */
export interface PlatformNote {
  readonly topic: 'serial-bluetooth-only' | 'wake-lock' | 'offline';
  readonly text: string;
}

export interface PlatformReport {
  readonly os: OsFamily;
  readonly browser: BrowserFamily;
  /** Major version of the browser, when the user agent tells it. */
  readonly version: number | null;
  /** For people: "Chrome on Android", "Safari on iPhone or iPad". */
  readonly label: string;
  readonly secureContext: boolean;
  readonly standalone: boolean;
  /** Links that work here, in display order; always ends with 'demo'. */
  readonly links: readonly PlatformLink[];
  /** One entry per missing link ('bluetooth' before 'serial'). */
  readonly missing: readonly MissingLink[];
  readonly notes: readonly PlatformNote[];
  readonly wakeLock: boolean;
  readonly offline: boolean;
}

const CLI = 'the fieldflash command line (npx fieldflash)';
const DESKTOP_BT = 'Chrome or Edge';
const DESKTOP_SERIAL = 'Chrome, Edge or Opera';

/**
 * Why Bluetooth is missing when this browser, by its nature, never has it; null
 * when it normally would (then an absence is the context, a flag or a setting).
 */
function bluetoothNever(b: Browser): Omit<MissingLink, 'link'> | null {
  if (b.os === 'ios') {
    return {
      reason: 'ios',
      why: 'Browsers on iPhone and iPad (Safari, and Chrome or Firefox too, which use Apple’s engine) have no Web Bluetooth.',
      instead:
        'Open this page in a Web Bluetooth browser from the App Store, such as Bluefy or WebBLE.',
    };
  }
  if (b.browser === 'firefox' || b.browser === 'safari' || b.browser === 'other') {
    const name = b.browser === 'other' ? 'This browser' : BROWSER_NAMES[b.browser];
    return {
      reason: 'browser',
      why: `${name} has no Web Bluetooth.`,
      instead:
        b.os === 'android'
          ? 'Open this page in Chrome on this phone.'
          : `Open this page in ${DESKTOP_BT}, or use USB serial.`,
    };
  }
  return null;
}

/** Same for serial. */
function serialNever(b: Browser): Omit<MissingLink, 'link'> | null {
  if (b.os === 'ios') {
    return {
      reason: 'ios',
      why: 'Browsers on iPhone and iPad have no Web Serial.',
      instead: `For USB serial use ${DESKTOP_SERIAL} on a computer, Chrome 148+ on Android, or ${CLI}.`,
    };
  }
  if (b.os === 'android') {
    if (b.browser !== 'chrome') {
      return {
        reason: 'android-serial',
        why: `${BROWSER_NAMES[b.browser]} on Android has no Web Serial.`,
        instead: 'Use Bluetooth, Chrome 148+ on this phone, or a computer.',
      };
    }
    if (b.version === null || b.version < 138) {
      return {
        reason: 'android-serial',
        why: 'Chrome on Android has Web Serial from version 138 (Bluetooth serial) and 148 (USB).',
        instead: 'Update Chrome, use Bluetooth, or use a computer.',
      };
    }
    return null;
  }
  if (b.browser === 'firefox' && (b.version === null || b.version < 151)) {
    return {
      reason: 'browser',
      why: 'Firefox has Web Serial only from version 151.',
      instead: `Update Firefox, or open this page in ${DESKTOP_SERIAL}, or use ${CLI}.`,
    };
  }
  if (b.browser === 'safari' || b.browser === 'other') {
    const name = b.browser === 'other' ? 'This browser' : BROWSER_NAMES[b.browser];
    return {
      reason: 'browser',
      why: `${name} has no Web Serial.`,
      instead: `Open this page in ${DESKTOP_SERIAL}, or use ${CLI}.`,
    };
  }
  return null;
}

const INSECURE = {
  reason: 'insecure-context',
  why: 'This page was opened over plain http://, and browsers allow Bluetooth and serial only on secure pages.',
  instead: 'Open it over https:// (or http://localhost on this computer).',
} as const;

function disabled(b: Browser, link: 'bluetooth' | 'serial'): Omit<MissingLink, 'link'> {
  const api = link === 'bluetooth' ? 'Web Bluetooth' : 'Web Serial';
  let instead: string;
  if (b.os === 'android') instead = 'Open this page in Chrome on this phone.';
  else if (link === 'bluetooth') instead = `Open this page in ${DESKTOP_BT}, or use USB serial.`;
  else instead = `Open this page in ${DESKTOP_SERIAL}, or use ${CLI}.`;
  return { reason: 'disabled', why: `${api} is switched off in this browser.`, instead };
}

/** Chromium on Linux: Web Bluetooth exists but is off unless a flag is set. */
function linuxFlag(b: Browser): Omit<MissingLink, 'link'> {
  const scheme = b.browser === 'edge' ? 'edge' : b.browser === 'opera' ? 'opera' : 'chrome';
  const name = b.browser === 'edge' || b.browser === 'opera' ? BROWSER_NAMES[b.browser] : 'Chrome';
  return {
    reason: 'linux-flag',
    why: `On Linux, ${name} keeps Web Bluetooth behind a flag.`,
    instead: `Enable ${scheme}://flags/#enable-experimental-web-platform-features and relaunch, or use USB serial.`,
  };
}

/** The verdict on one link: why it is missing, or null when it works. */
function missingWhy(
  b: Browser,
  link: 'bluetooth' | 'serial',
  env: PlatformEnv,
): Omit<MissingLink, 'link'> | null {
  const present = link === 'bluetooth' ? env.hasBluetooth : env.hasSerial;
  if (present && env.isSecureContext) return null;
  // A browser that never has the API: say so, since https:// would not help.
  const never = link === 'bluetooth' ? bluetoothNever(b) : serialNever(b);
  if (never) return never;
  if (!env.isSecureContext) return INSECURE;
  if (link === 'bluetooth' && b.os === 'linux') return linuxFlag(b);
  return disabled(b, link);
}

/** What works in the environment described by `env`, and what to do about the rest. */
export function detectPlatform(env: PlatformEnv): PlatformReport {
  const os = detectOs(env);
  const b = detectBrowser(env, os);
  const missing: MissingLink[] = [];
  const links: PlatformLink[] = [];
  const notes: PlatformNote[] = [];

  const bt = missingWhy(b, 'bluetooth', env);
  if (bt) {
    missing.push({ link: 'bluetooth', ...bt });
  } else if (env.bluetoothAvailable === false) {
    missing.push({
      link: 'bluetooth',
      reason: 'no-adapter',
      why: 'This browser has Web Bluetooth, but the system reports no usable Bluetooth adapter.',
      instead: 'Turn Bluetooth on (or plug in an adapter) and reload, or use USB serial.',
    });
  } else {
    links.push('bluetooth');
  }

  const serial = missingWhy(b, 'serial', env);
  if (serial) {
    missing.push({ link: 'serial', ...serial });
  } else {
    links.push('serial');
    if (os === 'android' && b.browser === 'chrome' && b.version !== null && b.version < 148) {
      notes.push({
        topic: 'serial-bluetooth-only',
        text: 'Serial here reaches only paired Bluetooth serial ports, not USB: Chrome 148+ adds USB.',
      });
    }
  }

  links.push('demo');

  if (links.length > 1 && !env.hasWakeLock) {
    notes.push({
      topic: 'wake-lock',
      text: 'This browser cannot keep the screen on: keep it awake yourself during an update.',
    });
  }
  if (!env.hasServiceWorker) {
    notes.push({
      topic: 'offline',
      text: env.isSecureContext
        ? 'This browser cannot keep fieldflash for offline use.'
        : 'Offline use needs a secure page (https://) too.',
    });
  }

  return {
    os,
    browser: b.browser,
    version: b.version,
    label: label(b),
    secureContext: env.isSecureContext,
    standalone: env.standalone,
    links,
    missing,
    notes,
    wakeLock: env.hasWakeLock,
    offline: env.hasServiceWorker,
  };
}

/** `navigator.bluetooth` as far as availability goes (not in TypeScript's DOM types). */
interface BluetoothAvailability {
  getAvailability?: () => Promise<boolean>;
}

/** How long `getAvailability()` may take before the answer is taken as unknown. */
const AVAILABILITY_TIMEOUT_MS = 1500;

async function askAvailability(bt: BluetoothAvailability): Promise<boolean | undefined> {
  if (typeof bt.getAvailability !== 'function') return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), AVAILABILITY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([bt.getAvailability().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads this page's environment (the only place here that touches `navigator`). */
export async function readPlatformEnv(): Promise<PlatformEnv> {
  const nav: Navigator & {
    bluetooth?: BluetoothAvailability;
    serial?: unknown;
    userAgentData?: UserAgentDataLike;
    standalone?: boolean;
  } = navigator;
  const secure = globalThis.isSecureContext;
  const bluetooth = nav.bluetooth;
  const standalone =
    globalThis.matchMedia?.('(display-mode: standalone)').matches === true ||
    nav.standalone === true;
  return {
    isSecureContext: secure,
    userAgent: nav.userAgent,
    userAgentData: nav.userAgentData,
    maxTouchPoints: nav.maxTouchPoints,
    hasBluetooth: bluetooth !== undefined,
    bluetoothAvailable: bluetooth ? await askAvailability(bluetooth) : undefined,
    hasSerial: nav.serial !== undefined,
    hasServiceWorker: 'serviceWorker' in nav,
    hasWakeLock: 'wakeLock' in nav,
    standalone,
  };
}

/** What works in this browser, read from the real globals. */
export async function readPlatform(): Promise<PlatformReport> {
  return detectPlatform(await readPlatformEnv());
}
