/**
 * What a simulated device is: its flash, bootloader, SMP build options,
 * timing and links (profiles.ts has ready-made ones), and what it reports.
 * @module
 */
import type { FlashGeometry, FlashTiming } from './flash.ts';
import type { ImageGroupOptions } from './handlers/image-model.ts';
import type { InfoStrings, TaskInfo } from './handlers/os.ts';
import type { BleLinkProfile } from './link-ble.ts';
import type { SerialLinkProfile } from './link-serial.ts';
import type { BootloaderConfig } from './mcuboot.ts';

export interface DeviceConfig {
  /** Bluetooth name and `info` node name. */
  readonly name: string;
  readonly flash: Omit<FlashGeometry, 'size'> & FlashTiming;
  /** Images (1, or 2 for e.g. application + network core), each with a primary and a secondary slot. */
  readonly images: number;
  readonly slotSize: number;
  /** MCUboot, or null for a device without one (then no image group, as on native_sim). */
  readonly bootloader: BootloaderConfig | null;
  /** CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE and _COUNT. */
  readonly bufSize: number;
  readonly bufCount: number;
  readonly os: {
    readonly params: boolean;
    readonly info: InfoStrings | null;
    /** Bootloader info and mode (MCUMGR_GRP_OS_BOOTLOADER_INFO). */
    readonly bootloaderInfo: boolean;
    readonly tasks: readonly TaskInfo[] | null;
    readonly echoWithoutText: 'empty' | 'einval';
  };
  readonly image: ImageGroupOptions;
  /** MCUMGR_GRP_OS_RESET_MS: the reset answer goes out, the reboot comes this long after. */
  readonly resetMs: number;
  /** From the bootloader handing over to the app answering SMP (kernel init, BLE advertising). */
  readonly appStartMs: number;
  /** Time the SMP thread takes for any request, besides flash work. */
  readonly processMs: number;
  readonly ble: BleLinkProfile | null;
  readonly serial: SerialLinkProfile | null;
  /** Printed on the serial console at each boot. */
  readonly banner: string;
  /** Seeds corruptions and tears. */
  readonly seed: number;
}

export type DeviceState = 'off' | 'booting' | 'running' | 'stuck-in-bootloader';

export interface DeviceEvent {
  readonly at: number;
  readonly what:
    'power-on' | 'reset' | 'power-loss' | 'booted' | 'boot-failed' | 'link-up' | 'link-down';
  readonly detail: string;
}
