/**
 * Reaching a device from the page: a real one over Web Bluetooth or Web
 * Serial (the browser's picker), or the built-in demo device. Each choice
 * becomes a `DeviceConnector` the engine can use again after every drop and
 * reset, with an identity for its checkpoint, plus a summary of what the
 * device reports for the device card. Loaded on demand (transports, client).
 * @module
 */
import { negotiateLink, type LinkInfo } from '../client/link.ts';
import { SmpClient } from '../client/smp-client.ts';
import { image, MgmtErr, os, SmpDeviceError, type ImageSlotState } from '../core/smp/index.ts';
import type { DeviceConnector } from '../engine/update.ts';
import {
  connectSmpDevice,
  requestSmpDevice,
  type BluetoothDeviceLike,
  type BluetoothLike,
} from '../transport/web-bluetooth.ts';
import { openWebSerial, type SerialLike, type SerialPortLike } from '../transport/web-serial.ts';
import { demoDevice } from './demo-device.ts';

export type LinkChoice =
  | { readonly kind: 'bluetooth' }
  | { readonly kind: 'serial'; readonly baudRate: number }
  | { readonly kind: 'demo'; readonly link: 'bluetooth' | 'serial' };

export interface DeviceSummary {
  readonly name: string;
  /** How it is reached, in words ("Bluetooth", "USB serial at 115200 baud", "demo over Bluetooth"). */
  readonly via: string;
  readonly info: LinkInfo;
  readonly bootloader: string | null;
  /** The board (Zephyr's hardware platform, OS info `i`), for matching releases; null if not told. */
  readonly board: string | null;
  readonly slots: readonly ImageSlotState[];
}

export interface ConnectedDevice {
  readonly choice: LinkChoice;
  readonly connector: DeviceConnector & { readonly identity: string };
  readonly summary: DeviceSummary;
}

/** The user closed the browser's device picker: not an error to show. */
export class PickerCancelledError extends Error {
  constructor() {
    super('No device was chosen.');
  }
}

function bluetoothConnector(
  chosen: BluetoothDeviceLike,
  identity: string,
): DeviceConnector & { identity: string } {
  return {
    identity,
    connect: async (signal) =>
      new SmpClient(await connectSmpDevice(chosen, signal ? { signal } : {})),
  };
}

function serialConnector(
  port: SerialPortLike,
  baudRate: number,
  identity: string,
): DeviceConnector & { identity: string } {
  return {
    identity,
    connect: async (signal) =>
      new SmpClient(await openWebSerial(port, { baudRate, ...(signal ? { signal } : {}) })),
  };
}

/** What the device card shows; optional queries a device lacks (rc 8) read as unknown. */
export async function readSummary(
  client: SmpClient,
  name: string,
  via: string,
  signal?: AbortSignal,
): Promise<DeviceSummary> {
  const info = await negotiateLink(client, { signal });
  const bootloader = await client
    .request(os.bootloaderName(), { signal })
    .catch((error: unknown) => {
      if (error instanceof SmpDeviceError && error.rc === MgmtErr.ENOTSUP) return null;
      throw error;
    });
  // Optional (CONFIG_MCUMGR_GRP_OS_INFO): a device without it answers rc 8 and matches by name only.
  const board = await client.request(os.info('i'), { signal }).then(
    (text) => text.trim() || null,
    (error: unknown) => {
      if (error instanceof SmpDeviceError) return null;
      throw error;
    },
  );
  const list = await client.request(image.imageState(), { signal });
  return { name, via, info, bootloader, board, slots: list.images };
}

/** Asks the browser (or the demo) for a device, connects once to read it, and closes again. */
export async function connectDevice(
  choice: LinkChoice,
  host: { readonly bluetooth?: BluetoothLike; readonly serial?: SerialLike },
  signal?: AbortSignal,
): Promise<ConnectedDevice> {
  let connector: DeviceConnector & { identity: string };
  let name: string;
  let via: string;
  if (choice.kind === 'demo') {
    const device = await demoDevice();
    name = device.name;
    if (choice.link === 'bluetooth') {
      const chosen = await requestSmpDevice(device.bluetooth());
      if (!chosen) throw new PickerCancelledError();
      connector = bluetoothConnector(chosen, 'demo:bluetooth');
      via = 'demo device over Bluetooth';
    } else {
      const port = await device.serialPorts().requestPort();
      connector = serialConnector(port, 115200, 'demo:serial');
      via = 'demo device over serial';
    }
  } else if (choice.kind === 'bluetooth') {
    if (!host.bluetooth) throw new Error('This browser has no Web Bluetooth.');
    const chosen = await requestSmpDevice(host.bluetooth);
    if (!chosen) throw new PickerCancelledError();
    name = chosen.name ?? 'Bluetooth device';
    // Chromium keeps a device's id stable for this origin: the checkpoint follows the device.
    connector = bluetoothConnector(chosen, `bluetooth:${chosen.id}`);
    via = 'Bluetooth';
  } else {
    if (!host.serial) throw new Error('This browser has no Web Serial.');
    const port = await host.serial.requestPort().catch((error: unknown) => {
      if ((error as DOMException).name === 'NotFoundError') throw new PickerCancelledError();
      throw error;
    });
    const info = (port as SerialPortLike & { getInfo?: () => SerialPortInfoLike }).getInfo?.();
    const usb =
      info?.usbVendorId !== undefined
        ? `${hex4(info.usbVendorId)}:${hex4(info.usbProductId ?? 0)}`
        : 'port';
    name = info?.usbVendorId !== undefined ? `USB serial device ${usb}` : 'Serial device';
    connector = serialConnector(port, choice.baudRate, `serial:${usb}`);
    via = `USB serial at ${choice.baudRate} baud`;
  }
  const client = await connector.connect(signal);
  try {
    return { choice, connector, summary: await readSummary(client, name, via, signal) };
  } finally {
    // The engine opens its own connection (a serial port opens only once at a time).
    await client.close();
  }
}

/**
 * Reads the device again through the same connector (after an update the card
 * must show the new slots, not the ones read at connect). The same device,
 * the same identity: only the summary is new.
 */
export async function refreshDevice(
  device: ConnectedDevice,
  signal?: AbortSignal,
): Promise<ConnectedDevice> {
  const client = await device.connector.connect(signal);
  try {
    const { name, via } = device.summary;
    return { ...device, summary: await readSummary(client, name, via, signal) };
  } finally {
    await client.close();
  }
}

interface SerialPortInfoLike {
  readonly usbVendorId?: number;
  readonly usbProductId?: number;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** `connectDevice` with this browser's own Web Bluetooth and Web Serial. */
export function connectFromPage(
  choice: LinkChoice,
  signal?: AbortSignal,
): Promise<ConnectedDevice> {
  const nav = globalThis.navigator as unknown as {
    readonly bluetooth?: BluetoothLike;
    readonly serial?: SerialLike;
  };
  return connectDevice(
    choice,
    {
      ...(nav.bluetooth ? { bluetooth: nav.bluetooth } : {}),
      ...(nav.serial ? { serial: nav.serial } : {}),
    },
    signal,
  );
}
