/**
 * A simulated device behind Chromium's own Web Bluetooth stack: CDP
 * BluetoothEmulation (a FakePeripheral enforcing the MTU) bridged write by
 * write to the simulator's Bluetooth link model running in Node in real time —
 * so the device's reassembly, buffers, flash, reset and MCUboot swap are the
 * simulator's, and a reboot drops Chromium's link as a real one would.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { PINNED_KEYS } from '../../src/app/fieldflash.config.ts';
import { parsePublicKey, trustKey } from '../../src/core/keys/index.ts';
import { BLE_FAST, deviceProfile, SimulatedDevice } from '../../src/sim/index.ts';
import { SMP_CHARACTERISTIC_UUID, SMP_SERVICE_UUID } from '../../src/transport/web-bluetooth.ts';
import { CHROMIUM_FLAGS } from './chromium.mjs';
import { FakePeripheral } from './fake-peripheral.ts';
import { SAMPLE_FACTORY } from './sim-process.ts';

const NOTIFY_HOOK = new URL('./notify-hook.js', import.meta.url).pathname;
const MTU = 247;

/** Chromium flags for Web Bluetooth on Linux. */
export const BLE_CHROMIUM_FLAGS = [...CHROMIUM_FLAGS, '--enable-features=WebBluetooth'];

interface SimCharacteristic extends EventTarget {
  value: DataView | null;
  startNotifications(): Promise<unknown>;
  writeValueWithoutResponse(value: BufferSource): Promise<void>;
}

export interface BridgedBle {
  /** The app at `url`, in a new context, with the demo device (0.9.0) reachable over Bluetooth. */
  readonly page: Page;
  readonly sim: SimulatedDevice;
  readonly peripheral: FakePeripheral;
  close(): Promise<void>;
}

export async function startBridgedBle(browser: Browser, url: string): Promise<BridgedBle> {
  // Set once the peripheral exists; the simulator's callbacks reach it through this.
  const held: { peripheral?: FakePeripheral } = {};
  const keys = PINNED_KEYS.map((k) => trustKey(parsePublicKey(k.pem), k.name));
  const device = new SimulatedDevice({
    ...deviceProfile('demo', keys),
    ble: { ...BLE_FAST, mtu: MTU },
  });
  device.install(new Uint8Array(readFileSync(SAMPLE_FACTORY)), { slot: 'primary' });
  await device.powerOn();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript({ path: NOTIFY_HOOK });
  await page.goto(url);

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
        if (v) void held.peripheral?.notify(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      });
      await ch.startNotifications();
      chosen.addEventListener('gattserverdisconnected', () => {
        // The device rebooted (or dropped the link): Chromium's link goes too.
        characteristic = null;
        void held.peripheral?.disconnect();
      });
      characteristic = ch;
      return true;
    } catch {
      return false;
    }
  };
  const bridge = await FakePeripheral.create(context, page, {
    mtu: MTU,
    name: device.name,
    onConnect: linkToSim,
    onWrite: (bytes) => void characteristic?.writeValueWithoutResponse(bytes.slice()),
  });
  held.peripheral = bridge;
  return {
    page,
    sim: device,
    peripheral: bridge,
    close: async () => {
      await bridge.dispose();
      device.dispose();
      await context.close();
    },
  };
}
