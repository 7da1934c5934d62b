/**
 * The built-in demo device: a simulated Zephyr + MCUboot device in the page
 * (src/sim), trusting the pinned demo key, running the 0.9.0 sample. It offers
 * browser-shaped Bluetooth and serial objects, so the app connects to it with
 * the same transports it uses for real hardware. The simulator is loaded only
 * when the demo is chosen, to keep the first load small.
 * @module
 */
import { SmpClient } from '../client/smp-client.ts';
import { negotiateLink, type LinkInfo } from '../client/link.ts';
import { image, MgmtErr, os, SmpDeviceError, type ImageSlotState } from '../core/smp/index.ts';
import type { SimulatedDevice } from '../sim/index.ts';
import type { Transport } from '../transport/types.ts';
import { connectSmpDevice, requestSmpDevice } from '../transport/web-bluetooth.ts';
import { openWebSerial } from '../transport/web-serial.ts';
import { pinnedKeys } from './image-check.ts';

/** The image the demo device runs when it is switched on (older than the demo sample). */
export const DEMO_FACTORY_URL = `${import.meta.env.BASE_URL}samples/demo-app-0.9.0.bin`;

export type DemoLink = 'bluetooth' | 'serial';

export interface DeviceSummary {
  readonly name: string;
  readonly link: DemoLink;
  readonly info: LinkInfo;
  readonly bootloader: string | null;
  readonly slots: readonly ImageSlotState[];
}

let demo: Promise<SimulatedDevice> | null = null;

/** Switches the demo device on (once per page). */
export function demoDevice(): Promise<SimulatedDevice> {
  demo ??= (async () => {
    const [{ SimulatedDevice, deviceProfile }, factory] = await Promise.all([
      import('../sim/index.ts'),
      fetch(DEMO_FACTORY_URL).then(async (r) => {
        if (!r.ok) throw new Error(`could not load the demo device's firmware (${r.status})`);
        return new Uint8Array(await r.arrayBuffer());
      }),
    ]);
    const device = new SimulatedDevice(deviceProfile('demo', pinnedKeys()));
    device.install(factory, { slot: 'primary' });
    await device.powerOn();
    return device;
  })();
  return demo;
}

/** Connects to the demo device over its simulated Bluetooth or serial link. */
export async function connectDemo(
  link: DemoLink,
  signal?: AbortSignal,
): Promise<{ client: SmpClient; summary: DeviceSummary }> {
  const device = await demoDevice();
  let transport: Transport;
  if (link === 'bluetooth') {
    const chosen = await requestSmpDevice(device.bluetooth());
    if (!chosen) throw new Error('the demo device was not offered');
    transport = await connectSmpDevice(chosen, signal ? { signal } : {});
  } else {
    const port = await device.serialPorts().requestPort();
    transport = await openWebSerial(port, { baudRate: 115200, ...(signal ? { signal } : {}) });
  }
  const client = new SmpClient(transport);
  const info = await negotiateLink(client, { signal });
  const [bootloader, list] = await Promise.all([
    // A device without bootloader info answers rc 8: then "unknown", anything else is a real failure.
    client.request(os.bootloaderName(), { signal }).catch((error: unknown) => {
      if (error instanceof SmpDeviceError && error.rc === MgmtErr.ENOTSUP) return null;
      throw error;
    }),
    client.request(image.imageState(), { signal }),
  ]);
  return { client, summary: { name: device.name, link, info, bootloader, slots: list.images } };
}
