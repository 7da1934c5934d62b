import { describe, expect, it } from 'vitest';
import { detectPlatform, type PlatformEnv, type PlatformReport } from '../../src/app/platform.ts';

// Real user-agent strings (Chrome's reduced UA keeps the OS token and the major version).
const UA = {
  chromeWin:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
  edgeWin:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
  chromeLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
  chromeAndroid: (v: number) =>
    `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:150.0) Gecko/150.0 Firefox/150.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/140.0.7339.122 Mobile/15E148 Safari/604.1',
  firefoxIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/140.0 Mobile/15E148 Safari/605.1.15',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
  firefoxWin: (v: number) =>
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:150.0) Gecko/20100101 Firefox/150.0',
};

/** A secure page in a browser with every API; each case takes away what its browser lacks. */
function env(over: Partial<PlatformEnv>): PlatformEnv {
  return {
    isSecureContext: true,
    userAgent: UA.chromeWin,
    hasBluetooth: true,
    bluetoothAvailable: true,
    hasSerial: true,
    hasServiceWorker: true,
    hasWakeLock: true,
    standalone: false,
    ...over,
  };
}

const chromeBrands = [
  { brand: 'Chromium', version: '140' },
  { brand: 'Google Chrome', version: '140' },
  { brand: 'Not=A?Brand', version: '24' },
];

const reasons = (r: PlatformReport) => Object.fromEntries(r.missing.map((m) => [m.link, m.reason]));
const text = (r: PlatformReport, link: 'bluetooth' | 'serial') => {
  const m = r.missing.find((x) => x.link === link);
  return m ? `${m.why} ${m.instead}` : '';
};

describe('detectPlatform', () => {
  it.each([
    ['Windows', UA.chromeWin, 'windows'],
    ['macOS', UA.chromeMac, 'macos'],
  ] as const)(
    'desktop Chrome on %s: Bluetooth, serial and the demo, nothing to say',
    (_, ua, os) => {
      const r = detectPlatform(env({ userAgent: ua, userAgentData: { brands: chromeBrands } }));
      expect(r.os).toBe(os);
      expect(r.browser).toBe('chrome');
      expect(r.version).toBe(140);
      expect(r.links).toEqual(['bluetooth', 'serial', 'demo']);
      expect(r.missing).toEqual([]);
      expect(r.notes).toEqual([]);
      expect(r.label).toMatch(/^Chrome on /);
    },
  );

  it('Edge on Windows is Edge, with everything', () => {
    const r = detectPlatform(env({ userAgent: UA.edgeWin }));
    expect(r.browser).toBe('edge');
    expect(r.label).toBe('Edge on Windows');
    expect(r.links).toEqual(['bluetooth', 'serial', 'demo']);
  });

  it('desktop Chrome on Linux: serial; Bluetooth is behind a flag, named', () => {
    const r = detectPlatform(env({ userAgent: UA.chromeLinux, hasBluetooth: false }));
    expect(r.os).toBe('linux');
    expect(r.links).toEqual(['serial', 'demo']);
    expect(reasons(r)).toEqual({ bluetooth: 'linux-flag' });
    expect(text(r, 'bluetooth')).toContain(
      'chrome://flags/#enable-experimental-web-platform-features',
    );
    expect(text(r, 'bluetooth')).toContain('USB serial');
  });

  it('Chrome on Linux with the flag on: Bluetooth works (feature detection wins)', () => {
    const r = detectPlatform(env({ userAgent: UA.chromeLinux }));
    expect(r.links).toEqual(['bluetooth', 'serial', 'demo']);
  });

  it('Android Chrome 148+: Bluetooth and USB serial', () => {
    const r = detectPlatform(env({ userAgent: UA.chromeAndroid(148) }));
    expect(r.os).toBe('android');
    expect(r.label).toBe('Chrome on Android');
    expect(r.links).toEqual(['bluetooth', 'serial', 'demo']);
    expect(r.notes).toEqual([]);
  });

  it('Android Chrome 138–147: serial, but only Bluetooth serial ports (noted)', () => {
    const r = detectPlatform(env({ userAgent: UA.chromeAndroid(140) }));
    expect(r.links).toEqual(['bluetooth', 'serial', 'demo']);
    expect(r.notes.map((n) => n.topic)).toEqual(['serial-bluetooth-only']);
    expect(r.notes[0]?.text).toContain('148');
  });

  it('Android Chrome before 138: Bluetooth; no serial, update Chrome or use Bluetooth', () => {
    const r = detectPlatform(env({ userAgent: UA.chromeAndroid(137), hasSerial: false }));
    expect(r.links).toEqual(['bluetooth', 'demo']);
    expect(reasons(r)).toEqual({ serial: 'android-serial' });
    expect(text(r, 'serial')).toMatch(/138/);
    expect(text(r, 'serial')).toMatch(/Update Chrome/);
  });

  it('Firefox on Android: neither; use Chrome on the phone', () => {
    const r = detectPlatform(
      env({ userAgent: UA.firefoxAndroid, hasBluetooth: false, hasSerial: false }),
    );
    expect(r.os).toBe('android');
    expect(r.browser).toBe('firefox');
    expect(r.links).toEqual(['demo']);
    expect(text(r, 'bluetooth')).toContain('Chrome on this phone');
  });

  it.each([
    ['Safari', UA.safariIphone, 'safari'],
    ['Chrome', UA.chromeIphone, 'chrome'],
    ['Firefox', UA.firefoxIphone, 'firefox'],
  ] as const)(
    'iOS %s: neither link; Bluefy/WebBLE for Bluetooth, a computer or the CLI for serial',
    (_, ua, browser) => {
      const r = detectPlatform(
        env({ userAgent: ua, hasBluetooth: false, hasSerial: false, maxTouchPoints: 5 }),
      );
      expect(r.os).toBe('ios');
      expect(r.browser).toBe(browser);
      expect(r.label).toContain('iPhone or iPad');
      expect(r.links).toEqual(['demo']);
      expect(reasons(r)).toEqual({ bluetooth: 'ios', serial: 'ios' });
      expect(text(r, 'bluetooth')).toMatch(/Bluefy/);
      expect(text(r, 'bluetooth')).toMatch(/WebBLE/);
      expect(text(r, 'bluetooth')).toMatch(/App Store/);
      expect(text(r, 'serial')).toMatch(/fieldflash command line/);
      expect(text(r, 'serial')).toMatch(/Chrome 148\+ on Android/);
    },
  );

  it('iPadOS Safari with its desktop (Mac) user agent is still iOS', () => {
    const r = detectPlatform(
      env({ userAgent: UA.safariMac, maxTouchPoints: 5, hasBluetooth: false, hasSerial: false }),
    );
    expect(r.os).toBe('ios');
    expect(reasons(r)).toEqual({ bluetooth: 'ios', serial: 'ios' });
  });

  it('Bluefy on iOS (navigator.bluetooth injected): Bluetooth works, serial does not', () => {
    const r = detectPlatform(env({ userAgent: UA.safariIphone, hasSerial: false }));
    expect(r.links).toEqual(['bluetooth', 'demo']);
    expect(reasons(r)).toEqual({ serial: 'ios' });
  });

  it('Firefox before 151 on the desktop: neither; Chrome/Edge/Opera or the CLI', () => {
    const r = detectPlatform(
      env({ userAgent: UA.firefoxWin(150), hasBluetooth: false, hasSerial: false }),
    );
    expect(r.browser).toBe('firefox');
    expect(r.version).toBe(150);
    expect(r.links).toEqual(['demo']);
    expect(reasons(r)).toEqual({ bluetooth: 'browser', serial: 'browser' });
    expect(text(r, 'bluetooth')).toBe(
      'Firefox has no Web Bluetooth. Open this page in Chrome or Edge, or use USB serial.',
    );
    expect(text(r, 'serial')).toMatch(/151/);
    expect(text(r, 'serial')).toMatch(/Chrome, Edge or Opera/);
    expect(text(r, 'serial')).toMatch(/fieldflash command line/);
  });

  it('Firefox 151+ with Web Serial: serial works, Bluetooth does not', () => {
    const r = detectPlatform(env({ userAgent: UA.firefoxWin(151), hasBluetooth: false }));
    expect(r.links).toEqual(['serial', 'demo']);
    expect(reasons(r)).toEqual({ bluetooth: 'browser' });
  });

  it('Firefox on Linux is "Firefox has no Web Bluetooth", not the Chrome flag', () => {
    const r = detectPlatform(
      env({ userAgent: UA.firefoxLinux, hasBluetooth: false, hasSerial: false }),
    );
    expect(reasons(r)).toEqual({ bluetooth: 'browser', serial: 'browser' });
  });

  it('Safari on macOS: neither; Chrome/Edge (Bluetooth), Chrome/Edge/Opera or the CLI (serial)', () => {
    const r = detectPlatform(
      env({ userAgent: UA.safariMac, maxTouchPoints: 0, hasBluetooth: false, hasSerial: false }),
    );
    expect(r.os).toBe('macos');
    expect(r.browser).toBe('safari');
    expect(r.label).toBe('Safari on macOS');
    expect(r.links).toEqual(['demo']);
    expect(reasons(r)).toEqual({ bluetooth: 'browser', serial: 'browser' });
    expect(text(r, 'bluetooth')).toMatch(/^Safari has no Web Bluetooth\./);
    expect(text(r, 'serial')).toMatch(/^Safari has no Web Serial\./);
  });

  it('insecure context (http:// not localhost): only the demo; use https or localhost', () => {
    // Both APIs are [SecureContext]: on http:// even Chrome hides them.
    const r = detectPlatform(
      env({
        isSecureContext: false,
        hasBluetooth: false,
        bluetoothAvailable: undefined,
        hasSerial: false,
        hasServiceWorker: false,
      }),
    );
    expect(r.secureContext).toBe(false);
    expect(r.links).toEqual(['demo']);
    expect(reasons(r)).toEqual({ bluetooth: 'insecure-context', serial: 'insecure-context' });
    expect(text(r, 'bluetooth')).toMatch(/https:\/\//);
    expect(text(r, 'bluetooth')).toMatch(/localhost/);
    expect(r.notes.map((n) => n.topic)).toEqual(['offline']);
  });

  it('insecure context in Chrome on Linux: https first (the flag alone would not help)', () => {
    const r = detectPlatform(
      env({
        userAgent: UA.chromeLinux,
        isSecureContext: false,
        hasBluetooth: false,
        hasSerial: false,
      }),
    );
    expect(reasons(r)).toEqual({ bluetooth: 'insecure-context', serial: 'insecure-context' });
  });

  it('insecure context in Safari: the browser is the reason, since https would not help', () => {
    const r = detectPlatform(
      env({
        userAgent: UA.safariMac,
        isSecureContext: false,
        hasBluetooth: false,
        hasSerial: false,
      }),
    );
    expect(reasons(r)).toEqual({ bluetooth: 'browser', serial: 'browser' });
  });

  it('insecure context in Firefox 151: no Bluetooth (browser), no serial (context)', () => {
    const r = detectPlatform(
      env({
        userAgent: UA.firefoxWin(151),
        isSecureContext: false,
        hasBluetooth: false,
        hasSerial: false,
      }),
    );
    expect(reasons(r)).toEqual({ bluetooth: 'browser', serial: 'insecure-context' });
  });

  it('Bluetooth adapter off or absent (getAvailability false): says so; serial still works', () => {
    const r = detectPlatform(env({ userAgent: UA.chromeMac, bluetoothAvailable: false }));
    expect(r.links).toEqual(['serial', 'demo']);
    expect(reasons(r)).toEqual({ bluetooth: 'no-adapter' });
    expect(text(r, 'bluetooth')).toMatch(/Bluetooth adapter/);
    expect(text(r, 'bluetooth')).toMatch(/Turn Bluetooth on/);
  });

  it('an unanswered getAvailability counts as available (the picker will tell)', () => {
    const r = detectPlatform(env({ bluetoothAvailable: undefined }));
    expect(r.links).toContain('bluetooth');
  });

  it('a Chromium browser with the APIs switched off (e.g. Brave): "switched off", use Chrome/Edge', () => {
    const r = detectPlatform(
      env({
        userAgentData: { brands: [{ brand: 'Brave', version: '140' }] },
        hasBluetooth: false,
        hasSerial: false,
      }),
    );
    expect(r.browser).toBe('chromium');
    expect(reasons(r)).toEqual({ bluetooth: 'disabled', serial: 'disabled' });
    expect(text(r, 'bluetooth')).toMatch(/switched off/);
  });

  it('notes: no wake lock, no service worker', () => {
    const r = detectPlatform(env({ hasWakeLock: false, hasServiceWorker: false }));
    expect(r.notes.map((n) => n.topic)).toEqual(['wake-lock', 'offline']);
    expect(r.wakeLock).toBe(false);
    expect(r.offline).toBe(false);
  });

  it('every message is short: two sentences, at most 200 characters', () => {
    const cases: PlatformEnv[] = [
      env({ userAgent: UA.safariIphone, hasBluetooth: false, hasSerial: false }),
      env({ userAgent: UA.firefoxWin(150), hasBluetooth: false, hasSerial: false }),
      env({ userAgent: UA.chromeLinux, hasBluetooth: false }),
      env({ userAgent: UA.chromeAndroid(120), hasSerial: false }),
      env({ isSecureContext: false, hasBluetooth: false, hasSerial: false }),
      env({ bluetoothAvailable: false }),
    ];
    for (const c of cases) {
      for (const m of detectPlatform(c).missing) {
        expect(`${m.why} ${m.instead}`.length, `${m.why} ${m.instead}`).toBeLessThanOrEqual(200);
        expect(m.why).toMatch(/\.$/);
        expect(m.instead).toMatch(/\.$/);
      }
    }
  });

  it('standalone passes through', () => {
    expect(detectPlatform(env({ standalone: true })).standalone).toBe(true);
  });
});
