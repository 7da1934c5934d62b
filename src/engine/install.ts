/**
 * Getting the image into the device and the device into the image: upload
 * (when the plan says so), check the slot, mark it (test or permanent), reset,
 * and wait for the device to come back — then read what it runs. Deciding
 * what that means (done, confirm, reverted) is the caller's.
 * @module
 */
import { SmpTimeoutError } from '../client/errors.ts';
import type { SmpClient } from '../client/smp-client.ts';
import { image as img, os, type ImageSlotState } from '../core/smp/index.ts';
import { holdsImage, ImageNotInSlotError, slotsOf, type UpdateMode } from '../core/update/index.ts';
import { TransportClosedError } from '../transport/types.ts';
import { sleep } from './device-session.ts';
import { uploadResuming, type ResumingUpload } from './upload-resuming.ts';

export interface Install extends ResumingUpload {
  /** From preflight: upload first, only mark (the image is already in the slot), or neither. */
  readonly action: 'upload' | 'mark' | 'confirm';
  readonly mode: UpdateMode;
  readonly swapTimeoutMs: number;
}

export async function installAndBoot(job: Install): Promise<{
  readonly after: readonly ImageSlotState[];
  /** What ran before the reset. */
  readonly before: ImageSlotState | undefined;
}> {
  const { session, image, imageIndex, keeper, tell, signal, mode } = job;
  if (job.action === 'upload') await uploadResuming(job);

  tell({ type: 'phase', phase: 'check-slot', detail: 'checking the image is in the update slot' });
  const list = await session.ask((c) => c.request(img.imageState(), { signal }));
  const mine = slotsOf(list.images, imageIndex);
  const before = mine.find((s) => s.active);
  if (job.action !== 'confirm') {
    const waiting = mine.find((s) => !s.active && holdsImage(s, image));
    if (!waiting) throw new ImageNotInSlotError();
    keeper.note({ phase: 'mark', acked: job.bytes.length });
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
      await session.ask((c) =>
        c.request(mode === 'confirm-only' ? img.imageConfirm(hash) : img.imageTest(hash), {
          signal,
        }),
      );
    }
    keeper.note({ phase: 'reset' });
    tell({ type: 'phase', phase: 'reset', detail: 'resetting the device into the new image' });
    const client = session.client;
    // A lost answer to reset may mean the device is already resetting: go on to reconnect.
    await client.request(os.reset(), { signal }).catch((error: unknown) => {
      if (!(error instanceof SmpTimeoutError || error instanceof TransportClosedError)) throw error;
    });
    await closedOrAfter(client, 2000, signal);
    await session.reconnect('waiting for the device to come back', job.swapTimeoutMs);
  }
  const after = await session.ask((c) => c.request(img.imageState(), { signal }));
  return { after: after.images, before };
}

/** Waits for the device to drop the link after a reset, or `ms`, whichever is first; no timer is left. */
async function closedOrAfter(client: SmpClient, ms: number, signal?: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([client.closed, sleep(ms, stop.signal).catch(() => undefined)]);
  } finally {
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}
