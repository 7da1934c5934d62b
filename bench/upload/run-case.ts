/**
 * One measured upload: a fresh simulated device, the real transport on its
 * browser-shaped host side (Web Bluetooth or Web Serial, as in
 * bench/sim-bench.ts), the client's own link negotiation, then the upload
 * alone timed in virtual time.
 */
import { negotiateLink, type LinkInfo } from '../../src/client/link.ts';
import { SmpClient } from '../../src/client/smp-client.ts';
import { FrameTooSmallError } from '../../src/client/upload-sequential.ts';
import { signImage } from '../../src/core/image/index.ts';
import { uploadPipelined } from '../../src/engine/upload-pipelined.ts';
import { SimulatedDevice, type DeviceConfig, type LinkStats } from '../../src/sim/index.ts';
import type { Transport } from '../../src/transport/types.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { openWebSerial } from '../../src/transport/web-serial.ts';
import { BaselineTooSmallError, uploadStopAndWait } from './stop-and-wait.ts';
import { installVirtualTime, wallMs, type VirtualTime } from './virtual-time.ts';

export type How = 'pipelined' | 'baseline';

export interface Measured {
  readonly ok: true;
  /** Virtual seconds from the first chunk sent to the last answer. */
  readonly seconds: number;
  /** Real milliseconds the simulated upload took. */
  readonly wallMs: number;
  /** Data bytes of the usual chunk. */
  readonly chunk: number;
  /** Most requests in flight at once. */
  readonly window: number;
  /** Image bytes sent more than once. */
  readonly resentBytes: number;
  /** What the link lost or the device refused, by reason. */
  readonly drops: Record<string, number>;
  readonly info: LinkInfo;
}

export interface NotMeasured {
  readonly ok: false;
  /** Why this upload cannot run on this link, e.g. 'frame-too-small'. */
  readonly error: string;
  readonly info: LinkInfo | null;
}

/** A small signed image for the primary slot, so the device boots into its SMP server. */
const factory = (slotSize: number) =>
  signImage(new Uint8Array(2048), null, {
    version: { major: 0, minor: 1, revision: 0, build: 0 },
    headerSize: 32,
    padHeader: true,
    slotSize,
  });

/** The image under test: `bytes` in all (header, body, TLVs), unsigned (hash TLV only). */
export async function benchImage(bytes: number, slotSize = 0x76000): Promise<Uint8Array> {
  // 32-byte header, 40 bytes of TLVs (info header + SHA-256).
  const body = new Uint8Array(bytes - 32 - 40);
  for (let i = 0; i < body.length; i++) body[i] = (i * 131 + (i >> 10)) & 0xff;
  const { image } = await signImage(body, null, {
    version: { major: 1, minor: 0, revision: 0, build: 0 },
    headerSize: 32,
    padHeader: true,
    slotSize,
  });
  return image;
}

async function connect(device: SimulatedDevice, vt: VirtualTime): Promise<Transport> {
  if (device.config.ble) {
    const chosen = await requestSmpDevice(device.bluetooth());
    if (!chosen) throw new Error('the simulated device was not offered');
    return vt.settle(connectSmpDevice(chosen));
  }
  const port = await device.serialPorts().requestPort();
  return openWebSerial(port, { baudRate: device.serial.baud ?? 115_200 });
}

export interface Session {
  readonly vt: VirtualTime;
  readonly device: SimulatedDevice;
  readonly transport: Transport;
  readonly client: SmpClient;
  readonly info: LinkInfo;
  /** Disposes of the device and gives the real timers back. */
  readonly end: () => void;
}

/**
 * A fresh device built from `config`, booted in virtual time, with the
 * client connected and its link negotiated. The secondary slot is erased (a
 * fresh device): the first chunk triggers no erase, which would add the same
 * flash time for every client.
 */
export async function openSession(config: DeviceConfig): Promise<Session> {
  const vt = installVirtualTime();
  const device = new SimulatedDevice(config);
  try {
    device.install((await factory(config.slotSize)).image, { slot: 'primary' });
    await vt.settle(device.powerOn());
    const transport = await connect(device, vt);
    const client = new SmpClient(transport);
    const info = await vt.settle(negotiateLink(client, { probeTimeoutMs: 500 }));
    const end = () => {
      device.dispose();
      vt.uninstall();
    };
    return { vt, device, transport, client, info, end };
  } catch (error) {
    device.dispose();
    vt.uninstall();
    throw error;
  }
}

/**
 * Uploads `image` to a fresh device built from `config`, the pipelined way
 * (frames of at most `frameCap` bytes, if given) or the baseline's.
 */
export async function measureUpload(
  config: DeviceConfig,
  image: Uint8Array,
  how: How,
  frameCap = Infinity,
): Promise<Measured | NotMeasured> {
  const { vt, device, transport, client, info, end } = await openSession(config);
  try {
    const stats: LinkStats | undefined = device.links[0]?.stats;
    const before = { ...(stats?.drops ?? {}) };
    let chunk = 0;
    let window = 0;
    let sent = 0;
    const t0 = Date.now();
    const w0 = wallMs();
    try {
      if (how === 'baseline') {
        const r = await vt.settle(uploadStopAndWait(client, image, info.maxFrame));
        chunk = r.chunk;
        window = 1;
        sent = image.length;
      } else {
        const link = {
          maxFrame: Math.min(info.maxFrame, frameCap),
          writeSize: info.writeSize,
          frameOverhead: transport.frameOverhead,
        };
        const r = await vt.settle(
          uploadPipelined(client, image, {
            link,
            windowCap: info.window,
            onProgress: (p) => {
              chunk = Math.max(chunk, p.chunk);
              window = Math.max(window, p.window);
            },
          }),
        );
        sent = r.sentBytes;
      }
    } catch (error) {
      if (error instanceof FrameTooSmallError || error instanceof BaselineTooSmallError)
        return { ok: false, error: error.code, info };
      throw error;
    }
    const seconds = (Date.now() - t0) / 1000;
    const elapsed = wallMs() - w0;
    const drops: Record<string, number> = {};
    for (const [why, n] of Object.entries(stats?.drops ?? {}))
      if (n - (before[why] ?? 0) > 0) drops[why] = n - (before[why] ?? 0);
    await vt.settle(client.close());
    return {
      ok: true,
      seconds,
      wallMs: elapsed,
      chunk,
      window,
      resentBytes: sent - image.length,
      drops,
      info,
    };
  } finally {
    end();
  }
}
