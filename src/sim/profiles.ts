/**
 * Ready-made device configurations. The first two mirror the Zephyr 4.4.0
 * builds that answered `../shared/vectors/smp/golden.json` (the fidelity
 * tests replay it into them); the others are typical field hardware with
 * figures from their data sheets.
 * @module
 */
import type { TrustedKey } from '../core/keys/index.ts';
import type { DeviceConfig } from './device.ts';
import type { BleLinkProfile } from './link-ble.ts';
import type { SerialLinkProfile } from './link-serial.ts';

export type ProfileName =
  'zephyr-native-sim' | 'zephyr-qemu-mcuboot' | 'nrf52840-ble' | 'usb-cdc' | 'demo';
export const PROFILE_NAMES: readonly ProfileName[] = [
  'zephyr-native-sim',
  'zephyr-qemu-mcuboot',
  'nrf52840-ble',
  'usb-cdc',
  'demo',
];

/**
 * A 2M PHY link with Data Length Extension and MTU 498, as Nordic recommends
 * for DFU: a 251-octet LL packet takes about 1.1 ms on air at 2 Mbit/s, plus
 * the inter-frame spaces and the empty reply, so a 15 ms event carries ~6.
 */
export const BLE_FAST: BleLinkProfile = {
  kind: 'ble',
  mtu: 498,
  intervalMs: 15,
  packetsPerEvent: 6,
  dataLength: 251,
  latencyMs: 2,
  reassembly: true,
  hostQueue: 8,
  supervisionTimeoutMs: 4000,
};

/** A phone's default link before negotiation: MTU 23, 30 ms interval, 1M PHY. */
export const BLE_MINIMAL: BleLinkProfile = {
  kind: 'ble',
  mtu: 23,
  intervalMs: 30,
  packetsPerEvent: 4,
  dataLength: 27,
  latencyMs: 2,
  reassembly: true,
  hostQueue: 8,
  supervisionTimeoutMs: 4000,
};

/** A hardware UART at 115200 baud (behind a USB-UART bridge: the port survives resets). */
export const UART_115200: SerialLinkProfile = {
  kind: 'serial',
  baud: 115200,
  latencyMs: 1,
  rxLineBuffers: 2,
  lineProcessMs: 0.2,
  survivesReset: true,
  flowControlled: false,
};

/** Zephyr's own USB CDC-ACM: no baud limit, the port re-enumerates at each reset. */
export const USB_CDC: SerialLinkProfile = {
  kind: 'serial',
  baud: null,
  latencyMs: 1,
  rxLineBuffers: 2,
  lineProcessMs: 0.2,
  survivesReset: false,
  flowControlled: true,
};

/**
 * native_sim's pty UART, `bigrx` build: no baud limit and no flow control, so
 * lines arrive in bursts; more receive line buffers than the default 2 (with
 * which a burst of more than two lines loses the rest, as
 * shared/tools/smp-peer/README.md observed).
 */
const PTY_BIGRX: SerialLinkProfile = {
  kind: 'serial',
  baud: null,
  latencyMs: 0.1,
  rxLineBuffers: 8,
  lineProcessMs: 0.05,
  survivesReset: true,
  flowControlled: false,
};

/**
 * QEMU's emulated UART: bytes arrive as fast as the host writes them, into
 * Zephyr's default 2 line buffers, so a burst of more than two console lines
 * loses the rest — as the real fixture does (README: the CLI's 5-line upload
 * frames are lost there and it falls back to 2-line ones).
 */
const QEMU_UART: SerialLinkProfile = {
  kind: 'serial',
  baud: 115200,
  wireBytesPerMs: Infinity,
  latencyMs: 0.1,
  rxLineBuffers: 2,
  lineProcessMs: 0.05,
  survivesReset: true,
  flowControlled: false,
};

const ZEPHYR_INFO = {
  nodeName: 'fieldflash-sim',
  release: 'v4.4.0',
  version: '4.4.0',
  buildDateTime: null,
  machine: 'arm',
  processor: 'cortex-m0',
  platform: 'qemu_cortex_m0',
} as const;

/** What `info` says on the qemu_cortex_m0 smp_server fixture (release = its git hash, board with SoC). */
const QEMU_INFO = {
  nodeName: 'unknown',
  release: '684c9e8f32e4',
  version: '4.4.0',
  buildDateTime: 'Wed Jun  3 22:21:59 2026',
  machine: 'arm',
  processor: 'cortex-m0',
  platform: 'qemu_cortex_m0/nrf51822',
} as const;

/** What `info` says on the native_sim smp_server fixture. */
const NATIVE_SIM_INFO = {
  ...QEMU_INFO,
  buildDateTime: 'Wed Jun  3 22:18:39 2026',
  machine: 'posix',
  processor: 'x86',
  platform: 'native_sim/native',
} as const;

const BANNER = '*** Booting Zephyr OS build v4.4.0 ***\n';

/** native_sim `serial_bigrx`: OS group only (no MCUboot, no image group), buffers 384 × 4. */
function zephyrNativeSim(): DeviceConfig {
  return {
    name: 'native_sim smp_server',
    flash: { sectorSize: 4096, writeAlign: 1, erasedValue: 0xff, eraseSectorMs: 0, writeByteMs: 0 },
    images: 1,
    slotSize: 0x10000,
    bootloader: null,
    bufSize: 384,
    bufCount: 4,
    // As the Zephyr 4.4.0 native_sim fixture answers (checked by test/peer).
    os: {
      params: true,
      info: NATIVE_SIM_INFO,
      bootloaderInfo: false,
      tasks: [
        { name: '', prio: -16, tid: 0, state: 4, stksiz: 6, stkuse: 6 },
        { name: 'mcumgr smp', prio: 3, tid: 1, state: 0x80, stksiz: 512, stkuse: 6 },
        { name: 'sysworkq', prio: -1, tid: 2, state: 2, stksiz: 576, stkuse: 6 },
        { name: 'shell_dummy', prio: 14, tid: 3, state: 2, stksiz: 512, stkuse: 6 },
        { name: 'idle', prio: 15, tid: 4, state: 0, stksiz: 64, stkuse: 5 },
        { name: 'main', prio: 0, tid: 5, state: 4, stksiz: 544, stkuse: 6 },
      ],
      echoWithoutText: 'empty',
    },
    image: { allowErasePending: true, imageCheck: false, slotInfo: false },
    resetMs: 250,
    appStartMs: 5,
    processMs: 0.1,
    ble: null,
    serial: PTY_BIGRX,
    banner: BANNER,
    seed: 1,
  };
}

/**
 * qemu_cortex_m0 with MCUboot (swap using move), one image, two slots, 1 KiB
 * pages, buffers 384 × 4, a UART; MCUboot built with the default test key, so
 * here with `keys` (none = hash only).
 */
function zephyrQemuMcuboot(keys: readonly TrustedKey[]): DeviceConfig {
  return {
    name: 'qemu_cortex_m0 smp_server',
    flash: {
      sectorSize: 1024,
      writeAlign: 4,
      erasedValue: 0xff,
      eraseSectorMs: 20,
      writeByteMs: 0.005,
    },
    images: 1,
    slotSize: 0x1a000,
    bootloader: { mode: 'swap', keys, validatePrimary: true, downgradePrevention: false },
    bufSize: 384,
    bufCount: 4,
    // As the Zephyr 4.4.0 qemu_cortex_m0 fixture answers (checked by test/peer).
    os: {
      params: true,
      info: QEMU_INFO,
      bootloaderInfo: false,
      tasks: [
        { name: '3', prio: 3, tid: 0, state: 0x80 },
        { name: '-1', prio: -1, tid: 1, state: 2 },
        { name: '14', prio: 14, tid: 2, state: 2 },
        { name: '15', prio: 15, tid: 3, state: 0 },
        { name: '0', prio: 0, tid: 4, state: 4 },
      ],
      echoWithoutText: 'empty',
    },
    image: { allowErasePending: true, imageCheck: false, slotInfo: true },
    resetMs: 250,
    appStartMs: 50,
    processMs: 0.2,
    ble: null,
    serial: QEMU_UART,
    banner: BANNER,
    seed: 1,
  };
}

/**
 * An nRF52840 product over Bluetooth LE: 4 KiB pages erased in 85 ms, 4-byte
 * words (nRF52840 PS §4.3.9), 472 KiB slots, buffers 2475 × 4 (NCS's DFU
 * overlay), reassembly on, image check on.
 */
function nrf52840Ble(keys: readonly TrustedKey[]): DeviceConfig {
  return {
    name: 'fieldflash-nrf52840',
    flash: {
      sectorSize: 4096,
      writeAlign: 4,
      erasedValue: 0xff,
      eraseSectorMs: 85,
      writeByteMs: 0.0103,
    },
    images: 1,
    slotSize: 0x76000,
    bootloader: { mode: 'swap', keys, validatePrimary: true, downgradePrevention: false },
    bufSize: 2475,
    bufCount: 4,
    os: {
      params: true,
      info: {
        ...ZEPHYR_INFO,
        nodeName: 'fieldflash-nrf52840',
        processor: 'cortex-m4',
        platform: 'nrf52840dk/nrf52840',
      },
      bootloaderInfo: true,
      tasks: null,
      echoWithoutText: 'empty',
    },
    image: { allowErasePending: true, imageCheck: true, slotInfo: false },
    resetMs: 250,
    appStartMs: 300,
    processMs: 0.3,
    ble: BLE_FAST,
    serial: null,
    banner: BANNER,
    seed: 1,
  };
}

/** A board on Zephyr's USB CDC-ACM console, buffers 1024 × 4. */
function usbCdc(keys: readonly TrustedKey[]): DeviceConfig {
  return {
    ...nrf52840Ble(keys),
    name: 'fieldflash-usb',
    bufSize: 1024,
    ble: null,
    serial: USB_CDC,
    appStartMs: 800,
  };
}

/**
 * The no-hardware demo: both links, modest flash timing, pinned to the demo
 * key the app trusts, and an image that fits a small slot.
 */
function demo(keys: readonly TrustedKey[]): DeviceConfig {
  return {
    ...nrf52840Ble(keys),
    name: 'fieldflash-demo',
    slotSize: 0x40000,
    serial: { ...USB_CDC, survivesReset: true },
    appStartMs: 600,
  };
}

/** A named profile, with the bootloader's trusted keys (ignored where there is no bootloader). */
export function deviceProfile(name: ProfileName, keys: readonly TrustedKey[] = []): DeviceConfig {
  switch (name) {
    case 'zephyr-native-sim':
      return zephyrNativeSim();
    case 'zephyr-qemu-mcuboot':
      return zephyrQemuMcuboot(keys);
    case 'nrf52840-ble':
      return nrf52840Ble(keys);
    case 'usb-cdc':
      return usbCdc(keys);
    case 'demo':
      return demo(keys);
  }
}
