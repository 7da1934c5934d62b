/**
 * (Its own file: a second bridged test in one file could not connect, for a
 * reason not yet found — each file gets a fresh worker.) A dropped link in
 * the middle of an update over Web Bluetooth in real Chromium: Chromium's own Web
 * Bluetooth stack (CDP BluetoothEmulation, MTU enforced) bridged write by
 * write to the simulator's Bluetooth link model running in Node in real
 * time — so the device's reassembly, buffers, flash, reset and MCUboot swap
 * are the simulator's, and a reboot drops Chromium's link as a real one would.
 */
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PINNED_KEYS } from '../../src/app/trusted-keys.config.ts';
import { parsePublicKey, trustKey } from '../../src/core/keys/index.ts';
import { BLE_FAST, deviceProfile, SimulatedDevice } from '../../src/sim/index.ts';
import { SMP_CHARACTERISTIC_UUID, SMP_SERVICE_UUID } from '../../src/transport/web-bluetooth.ts';
import { buildApp, hasChromium, serveStatic } from '../helpers/browser.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.mjs';
import { FakePeripheral } from '../helpers/fake-peripheral.ts';
import { SAMPLE_FACTORY } from '../helpers/sim-process.ts';

const NOTIFY_HOOK = new URL('../helpers/notify-hook.js', import.meta.url).pathname;
const MTU = 247;

interface SimCharacteristic extends EventTarget {
  value: DataView | null;
  startNotifications(): Promise<unknown>;
  writeValueWithoutResponse(value: BufferSource): Promise<void>;
}

describe.skipIf(!hasChromium)(
  'update over Web Bluetooth in Chromium (simulator behind CDP)',
  () => {
    let browser: Browser;
    let server: Awaited<ReturnType<typeof serveStatic>>;
    let context: BrowserContext | undefined;
    let peripheral: FakePeripheral | undefined;
    let sim: SimulatedDevice | undefined;

    beforeAll(async () => {
      server = await serveStatic(await buildApp());
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [...CHROMIUM_FLAGS, '--enable-features=WebBluetooth'],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });
    afterEach(async () => {
      await peripheral?.dispose();
      await context?.close();
      sim?.dispose();
    });

    async function start(): Promise<{ page: Page; sim: SimulatedDevice }> {
      const keys = PINNED_KEYS.map((k) => trustKey(parsePublicKey(k.pem), k.name));
      const device = new SimulatedDevice({
        ...deviceProfile('demo', keys),
        ble: { ...BLE_FAST, mtu: MTU },
      });
      sim = device;
      device.install(new Uint8Array(readFileSync(SAMPLE_FACTORY)), { slot: 'primary' });
      await device.powerOn();
      context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript({ path: NOTIFY_HOOK });
      await page.goto(server.url);

      let characteristic: SimCharacteristic | null = null;
      const linkToSim = async (): Promise<boolean> => {
        try {
          const chosen = await device.bluetooth().requestDevice({
            filters: [{ services: [SMP_SERVICE_UUID] }],
          });
          const gatt = await chosen.gatt.connect();
          const ch = (await (
            await gatt.getPrimaryService(SMP_SERVICE_UUID)
          ).getCharacteristic(SMP_CHARACTERISTIC_UUID)) as unknown as SimCharacteristic;
          ch.addEventListener('characteristicvaluechanged', () => {
            const v = ch.value;
            if (v) void peripheral?.notify(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          });
          await ch.startNotifications();
          chosen.addEventListener('gattserverdisconnected', () => {
            // The device rebooted (or dropped the link): Chromium's link goes too.
            characteristic = null;
            void peripheral?.disconnect();
          });
          characteristic = ch;
          return true;
        } catch {
          return false;
        }
      };
      peripheral = await FakePeripheral.create(context, page, {
        mtu: MTU,
        name: device.name,
        onConnect: linkToSim,
        onWrite: (bytes) => void characteristic?.writeValueWithoutResponse(bytes.slice()),
      });
      return { page, sim: device };
    }

    it('the link dropped mid-upload: it reconnects and resumes from the device’s offset', async () => {
      const { page, sim: device } = await start();
      await page.getByRole('button', { name: 'Connect over Bluetooth' }).click();
      await expect
        .poll(() => page.getByRole('status', { name: 'Device status' }).innerText(), {
          timeout: 30_000,
        })
        .toMatch(/0\.9\.0 · active, confirmed/);
      await page.getByRole('button', { name: 'Try the demo sample' }).click();
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
      const bar = page.getByRole('progressbar', { name: 'Upload progress' });
      await expect
        .poll(async () => Number((await bar.count()) ? await bar.getAttribute('value') : 0), {
          timeout: 30_000,
          interval: 20,
        })
        .toBeGreaterThan(6000);
      device.disconnect('link dropped by the test');
      const status = page.getByRole('status', { name: 'Update status' });
      await expect
        .poll(() => status.innerText(), { timeout: 30_000, interval: 20 })
        .toMatch(/resuming at byte \d{4,} of \d+/);
      await expect
        .poll(() => status.innerText(), { timeout: 90_000 })
        .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
    });
  },
);
