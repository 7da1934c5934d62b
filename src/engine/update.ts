/**
 * One update, start to end: read the device, decide (core/update preflight),
 * upload (pipelined, resuming after a dropped link from the device's own
 * offset), check the slot, mark the image, reset, wait for the device to come
 * back, and confirm. Everything it does is told as UpdateEvents; every way it
 * can fail is a typed error, also told as a `failed` event. A checkpoint
 * (core/update/checkpoint.ts) records where it is, so a later run — after a
 * closed tab or an interrupted CLI — can say where it stopped; what it
 * continues from is always the device's own answer.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/bytes.ts';
import { FieldflashError } from '../core/errors.ts';
import { verifyImage, type ImageOk, type SubtleLike } from '../core/image/index.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import { image as img } from '../core/smp/index.ts';
import {
  CHECKPOINT_SCHEMA,
  holdsImage,
  ImageNotInSlotError,
  ImageRejectedError,
  ImageRevertedError,
  matchCheckpoint,
  preflight,
  slotsOf,
  UpdateCancelledError,
  type CheckpointStore,
  type UpdateEvent,
  type UpdateMode,
  type UpdateOutcome,
} from '../core/update/index.ts';
import { CheckpointKeeper } from './checkpoint-keeper.ts';
import { DeviceSession, readDevice, type DeviceConnector } from './device-session.ts';
import { installAndBoot } from './install.ts';

export type { DeviceConnector } from './device-session.ts';

export interface UpdateOptions {
  readonly mode?: UpdateMode;
  readonly allowDowngrade?: boolean;
  readonly imageIndex?: number;
  /** How long the device may take to come back after the reset (MCUboot swapping). */
  readonly swapTimeoutMs?: number;
  /** Reconnect attempts after a dropped link during the upload. */
  readonly reconnects?: number;
  /** Where checkpoints are kept (keyed by the connector's identity); none: nothing is kept. */
  readonly checkpoints?: CheckpointStore;
  readonly signal?: AbortSignal;
  /** Told every event; an observer that throws is ignored. */
  readonly onEvent?: (event: UpdateEvent) => void;
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

type Engine = UpdateOptions & {
  readonly tell: (event: UpdateEvent) => void;
  readonly session: DeviceSession;
  readonly keeper: CheckpointKeeper;
};

async function run(
  connector: DeviceConnector,
  bytes: Uint8Array,
  image: ImageOk,
  options: UpdateOptions & { readonly tell: (event: UpdateEvent) => void },
): Promise<UpdateOutcome> {
  const { tell, signal } = options;
  tell({ type: 'phase', phase: 'preflight', detail: 'reading the device' });
  const session = new DeviceSession(connector, signal, (detail) =>
    tell({ type: 'phase', phase: 'reconnect', detail }),
  );
  const keeper = new CheckpointKeeper(
    connector.identity === undefined ? undefined : options.checkpoints,
    { device: connector.identity ?? '', imageIndex: options.imageIndex ?? 0 },
    tell,
  );
  try {
    return await steps(connector, bytes, image, { ...options, session, keeper });
  } catch (error) {
    // Over for good (the device has decided): nothing to take up again. Otherwise
    // the record stays, saying where the update stopped.
    if (error instanceof ImageRevertedError || error instanceof ImageNotInSlotError) keeper.clear();
    else keeper.persist();
    if (signal?.aborted && !(error instanceof FieldflashError)) {
      const at = keeper.current;
      throw new UpdateCancelledError(at?.phase ?? 'preflight', at?.acked ?? 0, bytes.length);
    }
    throw error;
  } finally {
    // Whatever happened, leave no connection open (a stuck link state goes with it).
    await session.close();
    await keeper.flush();
  }
}

async function steps(
  connector: DeviceConnector,
  bytes: Uint8Array,
  image: ImageOk,
  options: Engine,
): Promise<UpdateOutcome> {
  const { signal, tell, session, keeper } = options;
  await session.open();
  const device = await session.ask((c) => readDevice(c, signal));
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
  const imageSha = bytesToHex(sha256(bytes));
  const imageHash = image.sha256 ?? image.imageHash;
  const runningSlot = slotsOf(device.list.images, imageIndex).find((s) => s.active);
  const runningHash = runningSlot?.hash ? bytesToHex(runningSlot.hash) : null;
  const stored = matchCheckpoint(await keeper.load(), {
    imageSha,
    imageHash,
    running: runningHash,
  });
  if (plan.action === 'nothing') {
    if (stored.kind === 'same') keeper.clear();
    return 'already-running';
  }
  const mode = plan.mode;
  if (stored.kind === 'other') {
    tell({ type: 'warning', code: 'checkpoint-replaced', message: `Note: ${stored.why}.` });
  } else if (stored.kind === 'same') {
    tell({
      type: 'phase',
      phase: 'preflight',
      detail: `taking up the update interrupted ${describeStop(stored.checkpoint)}`,
    });
  }
  const previous = stored.kind === 'same' ? stored.checkpoint : null;
  const now = Date.now();
  keeper.start({
    schema: CHECKPOINT_SCHEMA,
    device: connector.identity ?? '',
    imageIndex,
    slot: 2 * imageIndex + 1,
    imageSha,
    imageHash,
    version: image.versionText,
    size: bytes.length,
    // Only a report of the last answer: the upload asks the device where it is.
    acked: previous?.acked ?? 0,
    mode,
    phase: plan.action === 'upload' ? 'upload' : plan.action === 'mark' ? 'mark' : 'confirm',
    // The board's own firmware, kept from the first run (it now may run the new image).
    runningHash: previous?.runningHash ?? runningHash,
    resumes: previous ? previous.resumes + 1 : 0,
    startedAt: previous?.startedAt ?? now,
    updatedAt: now,
  });

  let action = plan.action;
  let active;
  for (let attempt = 1; ; attempt++) {
    let installed;
    try {
      installed = await installAndBoot({
        action,
        mode,
        session,
        bytes,
        image,
        imageIndex,
        device,
        keeper,
        tell,
        reconnects: options.reconnects ?? 5,
        swapTimeoutMs: options.swapTimeoutMs ?? 120_000,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      // The upload ended but the slot does not hold the image (a torn write, a device that
      // lost it): one more upload, from 0.
      if (!(error instanceof ImageNotInSlotError) || attempt > 1 || action === 'confirm')
        throw error;
      tell({ type: 'warning', code: error.code, message: `${error.message} Uploading again.` });
      action = 'upload';
      keeper.note({ phase: 'upload', acked: 0 });
      continue;
    }
    const { after, before } = installed;
    active = slotsOf(after, imageIndex).find((s) => s.active);
    if (active && holdsImage(active, image)) break;
    const back = slotsOf(after, imageIndex).some((s) => !s.active && holdsImage(s, image));
    // MCUboot erases an image it finds invalid; one it swapped in and out is still there.
    const cause = action === 'confirm' ? 'unknown' : back ? 'reverted' : 'refused';
    const running = active?.version ?? before?.version ?? 'unknown';
    if (cause === 'refused' && attempt === 1) {
      // Damaged on the way (a lost answer can hide the device's own check) or not trusted
      // by this bootloader: one more upload tells which.
      tell({
        type: 'warning',
        code: 'boot-refused',
        message: `The bootloader refused the image and erased it (the device still runs ${running}). It may have been damaged on the way: uploading it once more.`,
      });
      action = 'upload';
      keeper.note({ phase: 'upload', acked: 0 });
      continue;
    }
    throw new ImageRevertedError(running, image.versionText, cause);
  }
  if (mode === 'test-only' || active.confirmed) {
    keeper.clear();
    return mode === 'test-only' && !active.confirmed ? 'testing' : 'updated';
  }
  keeper.note({ phase: 'confirm' });
  tell({ type: 'phase', phase: 'confirm', detail: 'confirming the new image' });
  // Without a hash Zephyr confirms image 0's running slot; any other image is named by its hash.
  const confirm = imageIndex === 0 ? img.imageConfirm() : img.imageConfirm(active.hash);
  await session.ask((c) => c.request(confirm, { signal }));
  keeper.clear();
  return 'updated';
}

const percent = (n: number, total: number) => `${total > 0 ? Math.floor((100 * n) / total) : 0} %`;

function describeStop(at: {
  readonly phase: string;
  readonly acked: number;
  readonly size: number;
}) {
  switch (at.phase) {
    case 'upload':
      return `at ${percent(at.acked, at.size)} of the upload`;
    case 'mark':
      return 'after the upload, before the image was marked';
    case 'reset':
      return 'while the device was resetting into the new image';
    default:
      return 'before the new image was confirmed';
  }
}
