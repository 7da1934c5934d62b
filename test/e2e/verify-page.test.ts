/**
 * The app page in real Chromium: pick an image, see the verdict; the browser's
 * own WebCrypto and the bundled core do the work.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, hasChromium, launchChromium, serveStatic } from '../helpers/browser.ts';
import { hasMcubootVectors, MCUBOOT_DIR } from '../helpers/shared.ts';

const SAMPLE = new URL('../../public/samples/demo-app-1.0.0.bin', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'ff-e2e-'));

describe.skipIf(!hasChromium)('verification page in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let page: Page;

  beforeAll(async () => {
    server = await serveStatic(await buildApp());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(server.url);
  });

  const result = () => page.getByRole('status', { name: 'Verification result' });
  const pick = (file: string) => page.getByLabel('Choose firmware image').setInputFiles(file);

  it('shows the pinned demo key', async () => {
    await expect
      .poll(() => page.getByRole('heading', { name: 'fieldflash' }).isVisible())
      .toBe(true);
    expect(await page.getByRole('region', { name: 'Trusted signing keys' }).innerText()).toMatch(
      /fieldflash demo key · Ed25519/,
    );
  });

  it('says the signed sample is genuine, with signer, version and hash', async () => {
    await pick(SAMPLE);
    await expect.poll(() => result().innerText()).toMatch(/Genuine firmware/);
    const text = await result().innerText();
    expect(text).toMatch(/Signed by\s+fieldflash demo key \(Ed25519\)/);
    expect(text).toMatch(/Version\s+1\.0\.0\+0/);
    expect(text).toMatch(/SHA256 dec04a86c53004a9/);
    expect(text).toMatch(/Security counter\s+16777216/);
  });

  it('checks a dropped file, and the bundled demo sample', async () => {
    const bytes = [...readFileSync(SAMPLE)];
    const dataTransfer = await page.evaluateHandle((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'dropped.bin'));
      return dt;
    }, bytes);
    await page
      .getByRole('region', { name: 'Firmware image' })
      .dispatchEvent('drop', { dataTransfer });
    await expect.poll(() => result().innerText()).toMatch(/Genuine firmware\s+dropped\.bin/);
    await page.getByRole('button', { name: 'Try the demo sample' }).click();
    await expect
      .poll(() => result().innerText())
      .toMatch(/Genuine firmware\s+demo-app-1\.0\.0\.bin/);
  });

  it('reaches the controls by keyboard, each with an accessible name', async () => {
    // Tab through the page in order until the image picker: every stop has a name.
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return (
          el?.getAttribute('aria-label') ??
          el?.closest('label')?.textContent?.trim() ??
          el?.textContent?.trim() ??
          ''
        );
      });
      names.push(name);
      if (name === 'Choose firmware image') break;
    }
    expect(names.at(-1)).toBe('Choose firmware image');
    expect(names).toContain('Connect to the demo device over Bluetooth');
    expect(names.every((n) => n.length > 0)).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // "Try the demo sample"
    await expect.poll(() => result().innerText()).toMatch(/Genuine firmware/);
  });

  it('refuses a tampered copy with the reason in plain words', async () => {
    const bytes = readFileSync(SAMPLE);
    bytes[2000] = (bytes[2000] ?? 0) ^ 0xff;
    writeFileSync(join(tmp, 'tampered.bin'), bytes);
    await pick(join(tmp, 'tampered.bin'));
    await expect.poll(() => result().innerText()).toMatch(/Not genuine: do not install/);
    expect(await result().innerText()).toMatch(/altered or corrupted[\s\S]*bad-hash/);
  });

  it('says when a file cannot be read at all', async () => {
    writeFileSync(join(tmp, 'broken.hex'), ':10000000ZZ\n');
    await pick(join(tmp, 'broken.hex'));
    await expect
      .poll(() => result().innerText())
      .toMatch(/Cannot read broken\.hex[\s\S]*not a valid Intel HEX file/);
  });

  it('refuses a key file that is not a key, with an alert', async () => {
    await page.getByLabel('Import a public key').setInputFiles(SAMPLE);
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toMatch(/demo-app-1\.0\.0\.bin: .*not a PEM or DER key/);
  });

  it('imports a public key only once confirmed, keeps it across reloads, removes it', async () => {
    const pem = join(tmp, 'team-key.pub.pem');
    writeFileSync(
      pem,
      '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAnojFac2E81fLlYyuDvF5Pr1ZtDXmYuGAI+p9uHuXuyA=\n-----END PUBLIC KEY-----\n',
    );
    const keys = page.getByRole('region', { name: 'Trusted signing keys' });
    const confirm = page.getByRole('region', { name: 'Confirm key' });
    // With the offline-ready card fixed at the bottom, the last controls must stay reachable.
    await expect
      .poll(() => page.getByRole('status', { name: 'App update' }).innerText(), {
        timeout: 15_000,
      })
      .toMatch(/works offline/);
    await page.getByLabel('Import a public key').setInputFiles(pem);
    await expect
      .poll(() => confirm.innerText())
      .toMatch(/Trust team-key \(Ed25519\)[\s\S]*SHA256:bbccfb3c ee6759df/);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await keys.innerText()).not.toMatch(/team-key/);

    await page.getByLabel('Import a public key').setInputFiles(pem);
    await confirm.getByRole('button', { name: 'Trust this key' }).click();
    await expect.poll(() => keys.innerText()).toMatch(/team-key · Ed25519 · bbccfb3c/);
    await page.reload();
    await expect
      .poll(() => keys.innerText())
      .toMatch(/team-key · Ed25519 · bbccfb3c \(imported on this phone\)/);
    await page.getByRole('button', { name: 'Remove key team-key' }).click();
    await expect.poll(() => keys.innerText()).not.toMatch(/team-key/);
    await page.reload();
    await expect.poll(() => keys.getByRole('listitem').count()).toBe(1);
    expect(await keys.innerText()).not.toMatch(/team-key/);
  });

  describe.skipIf(!hasMcubootVectors)('with MCUboot vectors and a session key', () => {
    it.each([
      ['root-rsa-3072', 'valid/rsa3072-fullkey.bin', /RSA-3072-PSS/],
      ['root-ec-p256', 'valid/ecdsa-p256-pad-confirm.bin', /ECDSA P-256[\s\S]*Padding/],
      ['root-ed25519', 'valid/ed25519-seccnt-auto-hex.hex', /Version\s+3\.1\.4\+15[\s\S]*Ed25519/],
      ['root-ed25519', 'valid/ed25519-pure.bin', /Ed25519 \(pure\)/],
    ])('%s: %s is genuine once the key is added, refused before', async (key, file, detail) => {
      await pick(join(MCUBOOT_DIR, file));
      await expect
        .poll(() => result().innerText())
        .toMatch(/Not genuine[\s\S]*(wrong-key|unknown-key)/);
      await page
        .getByLabel('Import a public key')
        .setInputFiles(join(MCUBOOT_DIR, `keys/${key}.pub.pem`));
      // Shown in full first; trusted only once confirmed.
      const confirm = page.getByRole('region', { name: 'Confirm key' });
      await expect.poll(() => confirm.innerText()).toMatch(/SHA256:[0-9a-f]{8} /);
      await confirm.getByRole('button', { name: 'Trust this key' }).click();
      await expect
        .poll(() => page.getByRole('region', { name: 'Trusted signing keys' }).innerText())
        .toMatch(new RegExp(`${key} ·`));
      // The image on screen is checked again with the keys trusted now.
      await expect.poll(() => result().innerText()).toMatch(/Genuine firmware/);
      expect(await result().innerText()).toMatch(detail);
      // Removing the key takes it away again.
      await page.getByRole('button', { name: `Remove key ${key}` }).click();
      await expect
        .poll(() => page.getByRole('region', { name: 'Trusted signing keys' }).innerText())
        .not.toMatch(new RegExp(`${key} ·`));
      await expect.poll(() => result().innerText()).toMatch(/Not genuine/);
    });

    it('a bad RSA-3072 signature is refused in the browser too', async () => {
      await page
        .getByLabel('Import a public key')
        .setInputFiles(join(MCUBOOT_DIR, 'keys/root-rsa-3072.pub.pem'));
      await page.getByRole('button', { name: 'Trust this key' }).click();
      await expect
        .poll(() => page.getByRole('region', { name: 'Trusted signing keys' }).innerText())
        .toMatch(/root-rsa-3072 ·/);
      await pick(join(MCUBOOT_DIR, 'invalid/sig-flip-rsa3072.bin'));
      await expect.poll(() => result().innerText()).toMatch(/bad-signature/);
    });
  });
});
