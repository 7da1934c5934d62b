/**
 * Reaching the device again and reading what an update decides from: the
 * link's limits, the image list, the bootloader mode and the slot sizes.
 * @module
 */
import { SmpTimeoutError } from '../client/errors.ts';
import { negotiateLink } from '../client/link.ts';
import type { SmpClient } from '../client/smp-client.ts';
import {
  image as img,
  MgmtErr,
  os,
  SmpCborError,
  SmpDeviceError,
  SmpShapeError,
} from '../core/smp/index.ts';
import { DeviceDidNotReturnError } from '../core/update/index.ts';
import { TransportClosedError } from '../transport/types.ts';

/** How the engine reaches the device, again after each drop or reset. */
export interface DeviceConnector {
  /**
   * Who the device is, stable across connections (a Bluetooth device id, a
   * serial port): the key of its update checkpoint. Without it nothing is kept.
   */
  readonly identity?: string;
  /** A connected client; rejects when the device cannot be reached now. */
  connect(signal?: AbortSignal): Promise<SmpClient>;
}

/** Waits `ms`; an abort ends the wait at once (with the signal's reason) and leaves no timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    function abort() {
      clearTimeout(timer);
      reject(abortReason(signal));
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

function abortReason(signal?: AbortSignal): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Reads what preflight needs; optional commands a device lacks (rc 8) read as null. */
export async function readDevice(client: SmpClient, signal?: AbortSignal) {
  const optional = <T>(p: Promise<T>) =>
    p.catch((error: unknown) => {
      if (error instanceof SmpDeviceError && error.rc === MgmtErr.ENOTSUP) return null;
      throw error;
    });
  const link = await negotiateLink(client, { signal });
  const list = await client.request(img.imageState(), { signal });
  const mode = await optional(client.request(os.bootloaderMode(), { signal }));
  const slots = await optional(client.request(img.slotInfo(), { signal }));
  return { link, list, mode, slots };
}

/** Connects again with back-off until `limitMs` has passed. */
export async function reconnect(
  connector: DeviceConnector,
  limitMs: number,
  signal?: AbortSignal,
): Promise<SmpClient> {
  const start = Date.now();
  let wait = 250;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const client = await connector.connect(signal);
      // A serial port opens while the device is still booting: it is back once it answers.
      try {
        await client.request(os.echo('fieldflash'), { signal, timeoutMs: 1000 });
      } catch (error) {
        if (!(error instanceof SmpDeviceError)) {
          await client.close().catch(() => undefined);
          throw error;
        }
      }
      return client;
    } catch (error) {
      if (signal?.aborted) throw error;
      if (Date.now() - start + wait > limitMs)
        throw new DeviceDidNotReturnError(Date.now() - start);
      await sleep(wait, signal);
      wait = Math.min(5000, wait * 2);
    }
  }
}

/**
 * The engine's one connection to the device, across reconnects: whatever
 * happens, `close()` leaves none open.
 */
export class DeviceSession {
  readonly #connector: DeviceConnector;
  readonly #signal: AbortSignal | undefined;
  readonly #onReconnect: (detail: string) => void;
  #client: SmpClient | null = null;

  constructor(
    connector: DeviceConnector,
    signal: AbortSignal | undefined,
    onReconnect: (detail: string) => void,
  ) {
    this.#connector = connector;
    this.#signal = signal;
    this.#onReconnect = onReconnect;
  }

  /** The connection in use. */
  get client(): SmpClient {
    if (!this.#client) throw new Error('DeviceSession: not connected');
    return this.#client;
  }

  async open(): Promise<SmpClient> {
    this.#client = await this.#connector.connect(this.#signal);
    return this.#client;
  }

  /** Drops the connection in use and connects again, with back-off, for up to `limitMs`. */
  async reconnect(detail: string, limitMs = 30_000): Promise<SmpClient> {
    this.#onReconnect(detail);
    await this.close();
    this.#client = await reconnect(this.#connector, limitMs, this.#signal);
    return this.#client;
  }

  /**
   * Runs an idempotent exchange: a lost answer, or a refusal, is asked again; a second loss,
   * or a dropped link, reconnects first (over Bluetooth a lost write can leave
   * the device's reassembly stuck until the connection is new).
   */
  async ask<T>(exchange: (c: SmpClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await exchange(this.client);
      } catch (error) {
        // A damaged answer (Bluetooth has no checksum) is as good as a lost one.
        const lost =
          error instanceof SmpTimeoutError ||
          error instanceof SmpShapeError ||
          error instanceof SmpCborError;
        // A refusal is asked once more too: over Bluetooth a damaged request draws one.
        const refused = error instanceof SmpDeviceError;
        if (refused && attempt === 1) continue;
        if (attempt >= 4 || !(lost || error instanceof TransportClosedError)) throw error;
        if (lost && attempt === 1) continue;
        await this.reconnect('the device stopped answering; reconnecting');
      }
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    await client?.close().catch(() => undefined);
  }
}
