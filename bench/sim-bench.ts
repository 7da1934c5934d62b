/**
 * The simulator's link capacity against what uploads achieve over it, in
 * virtual time (@sinonjs/fake-timers): the plain sequential upload
 * (client/upload-sequential.ts, one chunk in flight) and the engine's
 * pipelined one (engine/upload-pipelined.ts). Also how fast the simulation
 * itself runs. Printed as a table, or JSON with --json.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { negotiateLink } from '../src/client/link.ts';
import { SmpClient } from '../src/client/smp-client.ts';
import { uploadSequential } from '../src/client/upload-sequential.ts';
import { signImage } from '../src/core/image/index.ts';
import { uploadPipelined } from '../src/engine/upload-pipelined.ts';
import {
  BLE_FAST,
  BLE_MINIMAL,
  deviceProfile,
  SimulatedDevice,
  UART_115200,
  USB_CDC,
  type DeviceConfig,
} from '../src/sim/index.ts';
import type { Transport } from '../src/transport/types.ts';
import { connectSmpDevice, requestSmpDevice } from '../src/transport/web-bluetooth.ts';
import { openWebSerial } from '../src/transport/web-serial.ts';

interface Row {
  readonly case: string;
  readonly imageBytes: number;
  readonly capacityBytesPerSec: number;
  readonly sequentialBytesPerSec: number;
  readonly sequentialEfficiency: number;
  readonly pipelinedBytesPerSec: number;
  readonly pipelinedEfficiency: number;
  /** Wall-clock time of both simulated uploads. */
  readonly wallMs: number;
}

const json = process.argv.includes('--json');
const SIZE = 256 * 1024;
const wallNow = () => Number(process.hrtime.bigint() / 1000n) / 1000;

async function upload(
  config: DeviceConfig,
  link: 'ble' | 'serial',
  image: Uint8Array,
  how: 'sequential' | 'pipelined',
): Promise<{ seconds: number; capacity: number; wallMs: number }> {
  const clock = FakeTimers.install({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  const settle = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (;;) {
      // A real turn first, so time never runs past a promise that is about to settle.
      await new Promise((r) => setImmediate(r));
      if (done) break;
      if (clock.countTimers() > 0) await clock.nextAsync();
    }
    return p;
  };
  try {
    const device = new SimulatedDevice(config);
    const factory = await signImage(new Uint8Array(2048), null, {
      version: { major: 0, minor: 1, revision: 0, build: 0 },
      headerSize: 32,
      padHeader: true,
      slotSize: config.slotSize,
    });
    device.install(factory.image, { slot: 'primary' });
    await settle(device.powerOn());
    let transport: Transport;
    if (link === 'ble') {
      const chosen = await requestSmpDevice(device.bluetooth());
      if (!chosen) throw new Error('no device');
      transport = await settle(connectSmpDevice(chosen));
    } else {
      const port = await device.serialPorts().requestPort();
      transport = await openWebSerial(port, { baudRate: config.serial?.baud ?? 115200 });
    }
    const client = new SmpClient(transport);
    const info = await settle(negotiateLink(client, { probeTimeoutMs: 500 }));
    const capacity =
      link === 'ble' ? device.capacity().ble!.toDevice : device.capacity().serial!.toDevice;
    const t0 = Date.now();
    const w0 = wallNow();
    if (how === 'sequential') {
      await settle(uploadSequential(client, image, { maxFrame: info.maxFrame }));
    } else {
      const shape = {
        maxFrame: info.maxFrame,
        writeSize: info.writeSize,
        frameOverhead: transport.frameOverhead,
      };
      await settle(uploadPipelined(client, image, { link: shape, windowCap: info.window }));
    }
    const seconds = (Date.now() - t0) / 1000;
    const wallMs = wallNow() - w0;
    device.dispose();
    return { seconds, capacity, wallMs };
  } finally {
    clock.uninstall();
  }
}

const body = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) body[i] = (i * 131 + (i >> 10)) & 0xff;
const image = (
  await signImage(body, null, {
    version: { major: 1, minor: 0, revision: 0, build: 0 },
    headerSize: 32,
    padHeader: true,
    slotSize: 0x76000,
  })
).image;

const nrf = deviceProfile('nrf52840-ble', []);
const usb = deviceProfile('usb-cdc', []);
const cases: [string, DeviceConfig, 'ble' | 'serial'][] = [
  ['BLE 2M DLE, MTU 498, 15 ms, 6 LL/event, buf 2475', { ...nrf, ble: BLE_FAST }, 'ble'],
  [
    'BLE 2M DLE, MTU 247, 15 ms, 6 LL/event, buf 2475',
    { ...nrf, ble: { ...BLE_FAST, mtu: 247 } },
    'ble',
  ],
  [
    'BLE reference: MTU 247, 15 ms, 4 LL/event, 2475',
    { ...nrf, ble: { ...BLE_FAST, mtu: 247, packetsPerEvent: 4 } },
    'ble',
  ],
  ['BLE 1M, MTU 23, 30 ms, 4 LL/event, buf 2475', { ...nrf, ble: BLE_MINIMAL }, 'ble'],
  ['UART 115200, buf 384', { ...usb, bufSize: 384, serial: UART_115200 }, 'serial'],
  [
    'UART 1 Mbaud, buf 2475',
    { ...usb, bufSize: 2475, serial: { ...UART_115200, baud: 1_000_000 } },
    'serial',
  ],
  ['USB CDC (full speed), buf 1024', { ...usb, serial: USB_CDC }, 'serial'],
];
const rows: Row[] = [];
for (const [name, config, link] of cases) {
  const seq = await upload(config, link, image, 'sequential');
  const piped = await upload(config, link, image, 'pipelined');
  rows.push({
    case: name,
    imageBytes: image.length,
    capacityBytesPerSec: seq.capacity,
    sequentialBytesPerSec: image.length / seq.seconds,
    sequentialEfficiency: image.length / seq.seconds / seq.capacity,
    pipelinedBytesPerSec: image.length / piped.seconds,
    pipelinedEfficiency: image.length / piped.seconds / piped.capacity,
    wallMs: seq.wallMs + piped.wallMs,
  });
}

if (json) {
  console.log(JSON.stringify({ benchmark: 'sim-upload', node: process.version, rows }, null, 2));
} else {
  const kb = (n: number) => (n / 1000).toFixed(1);
  const pct = (x: number) => `(${(x * 100).toFixed(0)} %)`;
  console.log(`upload of ${SIZE / 1024} KiB (+ header/TLVs) through the simulator, virtual time`);
  console.log(
    'case'.padEnd(50) +
      'capacity kB/s' +
      'sequential kB/s'.padStart(21) +
      'pipelined kB/s'.padStart(21) +
      '  wall ms',
  );
  for (const r of rows) {
    console.log(
      r.case.padEnd(50) +
        kb(r.capacityBytesPerSec).padStart(13) +
        `${kb(r.sequentialBytesPerSec)} ${pct(r.sequentialEfficiency)}`.padStart(21) +
        `${kb(r.pipelinedBytesPerSec)} ${pct(r.pipelinedEfficiency)}`.padStart(21) +
        r.wallMs.toFixed(0).padStart(9),
    );
  }
}
