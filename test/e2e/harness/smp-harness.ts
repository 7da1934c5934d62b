/**
 * Browser entry for the transport end-to-end tests: the production transports
 * and client, driven from the test through `window.harness`. Bundled by
 * test/helpers/harness.ts; the buttons give Playwright real user gestures.
 */
import { negotiateLink, type LinkInfo } from '../../../src/client/link.ts';
import { SmpClient } from '../../../src/client/smp-client.ts';
import { uploadSequential } from '../../../src/client/upload-sequential.ts';
import { image, os } from '../../../src/core/smp/index.ts';
import {
  connectSmpDevice,
  requestSmpDevice,
  type BluetoothLike,
} from '../../../src/transport/web-bluetooth.ts';
import { openWebSerial, type SerialLike } from '../../../src/transport/web-serial.ts';
import type { CloseReason } from '../../../src/transport/types.ts';

export interface Harness {
  ready: Promise<LinkInfo>;
  client: SmpClient | null;
  closed: CloseReason | null;
  echo(text: string): Promise<string>;
  state(): Promise<unknown>;
  rtt(count: number, text?: string): Promise<number[]>;
  upload(bytes: number[], maxFrame?: number): Promise<{ match: boolean | undefined; ms: number }>;
  /** Starts an echo and reports how it settled (for disconnect tests). */
  startEcho(text: string): void;
  settled: { ok: boolean; error?: string; code?: string; reason?: string } | null;
  stats(): unknown;
}

let resolveReady!: (link: LinkInfo) => void;
let rejectReady!: (error: unknown) => void;

const h: Harness = {
  ready: new Promise<LinkInfo>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  }),
  client: null,
  closed: null,
  settled: null,
  echo: (text) => need().request(os.echo(text)),
  state: () => need().request(image.imageState()),
  async rtt(count, text = 'ping') {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await need().request(os.echo(text));
      out.push(performance.now() - t);
    }
    return out;
  },
  async upload(bytes, maxFrame) {
    const link = await h.ready;
    const t = performance.now();
    const r = await uploadSequential(need(), Uint8Array.from(bytes), {
      maxFrame: maxFrame ?? link.maxFrame,
    });
    return { match: r.match, ms: performance.now() - t };
  },
  startEcho(text) {
    need()
      .request(os.echo(text), { timeoutMs: 20_000 })
      .then(
        () => (h.settled = { ok: true }),
        (e: Error & { code?: string; reason?: { kind: string } }) =>
          (h.settled = {
            ok: false,
            error: e.constructor.name,
            ...(e.code ? { code: e.code } : {}),
            ...(e.reason ? { reason: e.reason.kind } : {}),
          }),
      );
  },
  stats: () => need().stats,
};

function need(): SmpClient {
  if (!h.client) throw new Error('not connected');
  return h.client;
}

async function start(
  open: () => Promise<ConstructorParameters<typeof SmpClient>[0] | null>,
): Promise<void> {
  try {
    const transport = await open();
    if (!transport) throw new Error('chooser cancelled');
    h.client = new SmpClient(transport);
    void transport.closed.then((reason) => (h.closed = reason));
    resolveReady(await negotiateLink(h.client, { probeTimeoutMs: 1000 }));
  } catch (error) {
    rejectReady(error);
  }
}

document.getElementById('ble')?.addEventListener('click', () => {
  const bluetooth = (navigator as unknown as { bluetooth: BluetoothLike }).bluetooth;
  void start(async () => {
    const device = await requestSmpDevice(bluetooth);
    return device && connectSmpDevice(device);
  });
});

document.getElementById('serial')?.addEventListener('click', () => {
  const serial = (navigator as unknown as { serial: SerialLike }).serial;
  void start(async () => openWebSerial(await serial.requestPort(), { baudRate: 115200 }));
});

/** How tests reach the harness through page.evaluate. */
export interface HarnessGlobal {
  harness: Harness;
}

(globalThis as unknown as HarnessGlobal).harness = h;
