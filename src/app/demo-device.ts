/**
 * The built-in demo device: a simulated Zephyr + MCUboot device in the page
 * (src/sim), trusting the pinned demo key, running the 0.9.0 sample. It offers
 * browser-shaped Bluetooth and serial objects, so the app connects to it with
 * the same transports it uses for real hardware. The simulator is loaded only
 * when the demo is chosen, to keep the first load small.
 * @module
 */
import type { SimulatedDevice } from '../sim/index.ts';
import { pinnedKeys } from './image-check.ts';

/** The image the demo device runs when it is switched on (older than the demo sample). */
export const DEMO_FACTORY_URL = `${import.meta.env.BASE_URL}samples/demo-app-0.9.0.bin`;

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
