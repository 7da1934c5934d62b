/**
 * The stated link capacity is what the link model actually carries: full
 * writes (or full console lines) back to back, timed in virtual time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeFrame, serialLines } from '../../src/core/smp/index.ts';
import {
  BLE_FAST,
  BLE_MINIMAL,
  bleCapacity,
  deviceProfile,
  serialCapacity,
  SimBleLink,
  SimSerialLink,
  SimulatedDevice,
  UART_115200,
  USB_CDC,
  type BleLinkProfile,
  type SerialLinkProfile,
} from '../../src/sim/index.ts';
import { settle, useVirtualTime } from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

describe('link capacity', () => {
  it.each([
    ['BLE 2M DLE MTU 498', BLE_FAST],
    ['BLE 2M DLE MTU 247', { ...BLE_FAST, mtu: 247 }],
    ['BLE 1M MTU 23', BLE_MINIMAL],
  ] as const)('%s: full writes arrive at the stated rate', async (_name, ble: BleLinkProfile) => {
    const device = new SimulatedDevice({
      ...deviceProfile('nrf52840-ble', []),
      ble: { ...ble, reassembly: false },
    });
    device.startApp();
    const link = new SimBleLink(device, { notify: () => undefined, lost: () => undefined });
    device.connected(link);
    const write = new Uint8Array(ble.mtu - 3);
    const n = 400;
    const t0 = Date.now();
    // The host's queue resolves each write when it goes on the air: the n-th resolves at its event.
    for (let i = 0; i < n + ble.hostQueue; i++) await settle(link.hostWrite(write));
    const seconds = (Date.now() - t0) / 1000;
    const rate = (n * write.length) / seconds;
    const capacity = bleCapacity(ble).toDevice;
    expect(rate / capacity).toBeGreaterThan(0.97);
    expect(rate / capacity).toBeLessThan(1.03);
    device.dispose();
  });

  it.each([
    ['UART 115200', UART_115200],
    ['USB CDC', USB_CDC],
  ] as const)(
    '%s: full console lines cross at the stated rate',
    async (_name, serial: SerialLinkProfile) => {
      const device = new SimulatedDevice({ ...deviceProfile('usb-cdc', []), serial });
      device.startApp();
      const link = new SimSerialLink(device);
      device.connected(link);
      // A frame whose lines are all full: 93 raw bytes per 127-byte line.
      const frame = encodeFrame(
        { op: 2, version: 1, flags: 0, group: 0, seq: 0, command: 0 },
        { d: 'x'.repeat(93 * 40 - 20) },
      );
      const lines = serialLines(frame);
      const bytes = Uint8Array.from(lines.flatMap((l) => [...l]));
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) await settle(link.hostBytes(bytes));
      const seconds = (Date.now() - t0) / 1000;
      const rate = (20 * (frame.length + 4)) / seconds;
      const capacity = serialCapacity(serial).toDevice;
      expect(rate / capacity).toBeGreaterThan(0.95);
      expect(rate / capacity).toBeLessThan(1.05);
      device.dispose();
    },
  );
});
