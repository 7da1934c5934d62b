/**
 * One update, start to end: read the device, decide (core/update preflight),
 * upload (pipelined, resuming after a dropped link from the device's own
 * offset), check the slot, mark the image, reset, wait for the device to come
 * back, and confirm. Everything it does is told as UpdateEvents; every way it
 * can fail is a typed error, also told as a `failed` event.
 * @module
 */
import { SmpTimeoutError } from '../client/errors.ts';
import { negotiateLink } from '../client/link.ts';
import type { SmpClient } from '../client/smp-client.ts';
import { FieldflashError } from '../core/errors.ts';
import { verifyImage, type ImageOk, type SubtleLike } from '../core/image/index.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import { image as img, MgmtErr, os, SmpDeviceError } from '../core/smp/index.ts';
import {
  DeviceDidNotReturnError,
  holdsImage,
  ImageNotInSlotError,
  ImageRejectedError,
  ImageRevertedError,
  preflight,
  slotsOf,
  type UpdateEvent,
  type UpdateMode,
  type UpdateOutcome,
} from '../core/update/index.ts';
import { TransportClosedError } from '../transport/types.ts';
import { SlotMismatchError, UploadRestartedError } from './errors.ts';
import { uploadPipelined } from './upload-pipelined.ts';

/** How the engine reaches the device, again after each drop or reset. */
export interface DeviceConnector {
  /** A connected client; rejects when the device cannot be reached now. */
  connect(signal?: AbortSignal): Promise<SmpClient>;
}

export interface UpdateOptions {
  readonly mode?: UpdateMode;
  readonly allowDowngrade?: boolean;
  readonly imageIndex?: number;
  /** How long the device may take to come back after the reset (MCUboot swapping). */
  readonly swapTimeoutMs?: number;
  /** Reconnect attempts after a dropped link during the upload. */
  readonly reconnects?: number;
  readonly signal?: AbortSignal;
  /** Told every event; an observer that throws is ignored. */
  readonly onEvent?: (event: UpdateEvent) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads what preflight needs; optional commands a device lacks (rc 8) read as null. */
async function readDevice(client: SmpClient, signal?: AbortSignal) {
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

/** Whom the image must be signed by: the pinned keys (at least one), and WebCrypto for RSA. */
export interface Trust {
  readonly keys: readonly TrustedKey[];
  readonly subtle?: SubtleLike | undefined;
}

/**
 * Updates the device with `bytes`. The image is verified here, against
 * `trust.keys`, before the device is even contacted: no byte of an image that
 * fails is ever sent.
 */
export async function runUpdate(
  connector: DeviceConnector,
  bytes: Uint8Array,
  trust: Trust,
  options: UpdateOptions,
): Promise<UpdateOutcome> {
  // Observers cannot break the engine.
  const tell = (event: UpdateEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // ignored on purpose
    }
  };
  try {
    const image = await verified(bytes, trust);
    const outcome = await run(connector, bytes.subarray(0, image.layout.tlvEnd), image, {
      ...options,
      tell,
    });
    tell({
      type: 'done',
      outcome,
      version: image.versionText,
      hash: image.sha256 ?? image.imageHash,
    });
    return outcome;
  } catch (error) {
    const typed = error instanceof FieldflashError;
    tell({
      type: 'failed',
      code: typed ? error.code : 'internal',
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

async function verified(bytes: Uint8Array, trust: Trust): Promise<ImageOk> {
  if (trust.keys.length === 0) {
    throw new ImageRejectedError(
      'no trusted keys',
      'an update needs at least one pinned signing key',
    );
  }
  const verdict = await verifyImage(bytes, trust.keys, { subtle: trust.subtle });
  if (!verdict.ok) throw new ImageRejectedError(verdict.reason, verdict.detail, verdict);
  return verdict;
}

async function run(
  connector: DeviceConnector,
  bytes: Uint8Array,
  image: ImageOk,
  options: UpdateOptions & { readonly tell: (event: UpdateEvent) => void },
): Promise<UpdateOutcome> {
  options.tell({ type: 'phase', phase: 'preflight', detail: 'reading the device' });
  const holder: { client: SmpClient | null } = { client: null };
  try {
    return await steps(connector, bytes, image, { ...options, holder });
  } finally {
    // Whatever happened, leave no connection open (a stuck link state goes with it).
    await holder.client?.close().catch(() => undefined);
  }
}

async function steps(
  connector: DeviceConnector,
  bytes: Uint8Array,
  image: ImageOk,
  options: UpdateOptions & {
    readonly tell: (event: UpdateEvent) => void;
    /** The connection in use, for the caller to close whatever happens. */
    readonly holder: { client: SmpClient | null };
  },
): Promise<UpdateOutcome> {
  const { signal, tell, holder } = options;
  let client = await connector.connect(signal);
  holder.client = client;
  /**
   * Runs an idempotent exchange: a lost answer is asked again; a second loss,
   * or a dropped link, reconnects first (over Bluetooth a lost write can leave
   * the device's reassembly stuck until the connection is new).
   */
  const ask = async <T>(exchange: (c: SmpClient) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await exchange(client);
      } catch (error) {
        const lost = error instanceof SmpTimeoutError;
        if (attempt >= 4 || !(lost || error instanceof TransportClosedError)) throw error;
        if (lost && attempt === 1) continue;
        tell({
          type: 'phase',
          phase: 'reconnect',
          detail: 'the device stopped answering; reconnecting',
        });
        await client.close().catch(() => undefined);
        client = await reconnect(connector, 30_000, signal);
        holder.client = client;
      }
    }
  };
  let device = await ask((c) => readDevice(c, signal));
  const imageIndex = options.imageIndex ?? 0;
  const slotSize =
    device.slots?.find((i) => i.image === imageIndex)?.slots.find((s) => s.slot === 1)?.size ??
    null;
  const pre = preflight({
    image,
    slots: device.list.images,
    bootloaderMode: device.mode?.mode ?? null,
    slotSize,
    options: {
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.allowDowngrade ? { allowDowngrade: true } : {}),
      imageIndex,
    },
  });
  for (const w of pre.warnings) tell({ type: 'warning', code: 'preflight', message: w });
  const plan = pre.plan;
  if (plan.action === 'nothing') return 'already-running';
  const mode = plan.mode;

  if (plan.action === 'upload') {
    tell({ type: 'phase', phase: 'upload', detail: `${bytes.length} bytes` });
    let reconnects = options.reconnects ?? 5;
    let mismatches = 1;
    let restarts = 2;
    const started = Date.now();
    for (;;) {
      try {
        await uploadPipelined(client, bytes, {
          link: {
            maxFrame: device.link.maxFrame,
            writeSize: device.link.writeSize,
            frameOverhead: client.transport.frameOverhead,
          },
          windowCap: device.link.window,
          imageIndex,
          ...(signal ? { signal } : {}),
          onProgress: (p) => {
            const seconds = (Date.now() - started) / 1000;
            const rate = seconds > 0 ? p.acked / seconds : 0;
            tell({
              type: 'progress',
              bytes: p.acked,
              total: p.total,
              rate,
              eta: rate > 0 ? (p.total - p.acked) / rate : null,
              window: p.window,
              chunk: p.chunk,
            });
          },
        });
        break;
      } catch (error) {
        if (error instanceof UploadRestartedError && restarts-- > 0) {
          // Finished (a re-sent last chunk meets a forgotten upload) or lost: the slot says which.
          const listed = await ask((c) => c.request(img.imageState(), { signal }));
          if (slotsOf(listed.images, imageIndex).some((s) => !s.active && holdsImage(s, image)))
            break;
          tell({ type: 'warning', code: error.code, message: `${error.message} Uploading again.` });
          continue;
        }
        if (error instanceof SlotMismatchError && mismatches-- > 0) {
          tell({ type: 'warning', code: error.code, message: `${error.message} Uploading again.` });
          continue;
        }
        if (!(error instanceof TransportClosedError) || reconnects-- <= 0) throw error;
        tell({
          type: 'phase',
          phase: 'reconnect',
          detail: 'the link dropped; reconnecting to resume',
        });
        await client.close().catch(() => undefined);
        client = await reconnect(connector, 30_000, signal);
        holder.client = client;
        device = await ask((c) => readDevice(c, signal));
      }
    }
  }

  tell({ type: 'phase', phase: 'check-slot', detail: 'checking the image is in the update slot' });
  const list = await ask((c) => c.request(img.imageState(), { signal }));
  const waiting = slotsOf(list.images, imageIndex).find((s) => !s.active && holdsImage(s, image));
  const running = slotsOf(list.images, imageIndex).find((s) => s.active);
  if (plan.action !== 'confirm') {
    if (!waiting) throw new ImageNotInSlotError();
    const hash = waiting.hash ?? new Uint8Array();
    tell({
      type: 'phase',
      phase: 'mark',
      detail:
        mode === 'confirm-only'
          ? 'marking the image permanent'
          : 'marking the image for a test boot',
    });
    if (!waiting.pending) {
      await ask((c) =>
        c.request(mode === 'confirm-only' ? img.imageConfirm(hash) : img.imageTest(hash), {
          signal,
        }),
      );
    }
    tell({ type: 'phase', phase: 'reset', detail: 'resetting the device into the new image' });
    // A lost answer to reset may mean the device is already resetting: go on to reconnect.
    await client.request(os.reset(), { signal }).catch((error: unknown) => {
      if (!(error instanceof SmpTimeoutError || error instanceof TransportClosedError)) throw error;
    });
    await Promise.race([client.closed, sleep(2000)]);
    await client.close().catch(() => undefined);
    tell({ type: 'phase', phase: 'reconnect', detail: 'waiting for the device to come back' });
    client = await reconnect(connector, options.swapTimeoutMs ?? 120_000, signal);
    holder.client = client;
  }
  const after = await ask((c) => c.request(img.imageState(), { signal }));
  const now = slotsOf(after.images, imageIndex).find((s) => s.active);
  if (!now || !holdsImage(now, image)) {
    throw new ImageRevertedError(now?.version ?? running?.version ?? 'unknown', image.versionText);
  }
  if (mode === 'test-only' || now.confirmed) {
    await client.close().catch(() => undefined);
    return mode === 'test-only' && !now.confirmed ? 'testing' : 'updated';
  }
  tell({ type: 'phase', phase: 'confirm', detail: 'confirming the new image' });
  await ask((c) => c.request(img.imageConfirm(), { signal }));
  await client.close().catch(() => undefined);
  return 'updated';
}

/** Connects again with back-off until `limitMs` has passed. */
async function reconnect(
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
      await sleep(wait);
      wait = Math.min(5000, wait * 2);
    }
  }
}
