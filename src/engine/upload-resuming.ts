/**
 * The upload phase of an update: the pipelined upload, taken up again after
 * a dropped link (from the device's offset, never from a remembered one), once
 * more after the device's slot check fails, and told as progress events and
 * checkpoint notes on the way.
 * @module
 */
import { FrameTooSmallError, UploadStalledError } from '../client/upload-sequential.ts';
import type { ImageOk } from '../core/image/index.ts';
import { image as img } from '../core/smp/index.ts';
import { holdsImage, slotsOf, uploadStart, type UpdateEvent } from '../core/update/index.ts';
import { TransportClosedError } from '../transport/types.ts';
import type { CheckpointKeeper } from './checkpoint-keeper.ts';
import { readDevice, type DeviceSession } from './device-session.ts';
import { SlotMismatchError, UploadRestartedError } from './errors.ts';
import { uploadPipelined } from './upload-pipelined.ts';

export interface ResumingUpload {
  readonly session: DeviceSession;
  readonly bytes: Uint8Array;
  readonly image: ImageOk;
  readonly imageIndex: number;
  /** What the device said when it was read (link limits). */
  readonly device: Awaited<ReturnType<typeof readDevice>>;
  readonly keeper: CheckpointKeeper;
  readonly tell: (event: UpdateEvent) => void;
  /** Reconnect attempts after a dropped link. */
  readonly reconnects: number;
  readonly signal?: AbortSignal;
}

const percent = (n: number, total: number) => `${total > 0 ? Math.floor((100 * n) / total) : 0} %`;

export async function uploadResuming(job: ResumingUpload): Promise<void> {
  const { session, bytes, image, imageIndex, keeper, tell, signal } = job;
  let device = job.device;
  let reconnects = job.reconnects;
  let mismatches = 1;
  let restarts = 2;
  const started = Date.now();
  tell({ type: 'phase', phase: 'upload', detail: `${bytes.length} bytes` });
  for (;;) {
    const client = session.client;
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
        onStart: (start) => {
          const remembered = keeper.current?.acked ?? 0;
          const how = uploadStart(remembered, start);
          if (how === 'resumed') {
            tell({
              type: 'phase',
              phase: 'upload',
              detail: `resuming at byte ${start.offset} of ${bytes.length} (${percent(start.offset, bytes.length)}), where the device is`,
            });
          } else if (how === 'restarted') {
            tell({
              type: 'warning',
              code: 'upload-restarted',
              message: `The device no longer holds the ${percent(remembered, bytes.length)} sent before (it restarted, or its slot was erased); uploading from the start.`,
            });
          }
          keeper.note({ acked: start.offset });
        },
        onProgress: (p) => {
          keeper.note({ acked: p.acked });
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
      return;
    } catch (error) {
      keeper.persist();
      if (error instanceof UploadRestartedError && restarts-- > 0) {
        // Finished (a re-sent last chunk meets a forgotten upload) or lost: the slot says which.
        const listed = await session.ask((c) => c.request(img.imageState(), { signal }));
        if (slotsOf(listed.images, imageIndex).some((s) => !s.active && holdsImage(s, image)))
          return;
        tell({ type: 'warning', code: error.code, message: `${error.message} Uploading again.` });
        continue;
      }
      if (error instanceof SlotMismatchError && mismatches-- > 0) {
        tell({ type: 'warning', code: error.code, message: `${error.message} Uploading again.` });
        // Started over on purpose: the record says so (and no "device lost it" warning follows).
        keeper.note({ acked: 0 });
        continue;
      }
      // A dropped link, or one that stopped carrying anything at this offset (over
      // Bluetooth a lost write can wedge the device's reassembly until the link is new).
      // Also a frame limit too small for a first chunk: link negotiation met a lost answer.
      const relink =
        error instanceof TransportClosedError ||
        error instanceof UploadStalledError ||
        error instanceof FrameTooSmallError;
      if (!relink || reconnects-- <= 0) throw error;
      await session.reconnect(
        error instanceof TransportClosedError
          ? 'the link dropped; reconnecting to resume'
          : 'the upload stalled; reconnecting to resume on a new link',
      );
      device = await session.ask((c) => readDevice(c, signal));
    }
  }
}
