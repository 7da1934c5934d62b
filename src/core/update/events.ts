/**
 * What an update tells its observers (DESIGN.md "Engine events"): one
 * discriminated union with stable codes. The UI and the CLI only render
 * these; neither reaches into the engine.
 * @module
 */

export type UpdatePhase =
  'preflight' | 'upload' | 'check-slot' | 'mark' | 'reset' | 'reconnect' | 'confirm';

export type UpdateOutcome =
  /** The new image runs and is confirmed (or permanent). */
  | 'updated'
  /** The new image runs on test (test-only): the device or a later run confirms it. */
  | 'testing'
  /** The device already ran this image. */
  | 'already-running';

export type UpdateEvent =
  | { readonly type: 'phase'; readonly phase: UpdatePhase; readonly detail: string }
  | {
      readonly type: 'progress';
      /** Bytes the device has confirmed. */
      readonly bytes: number;
      readonly total: number;
      /** Bytes per second over the last seconds. */
      readonly rate: number;
      /** Seconds left at that rate; null until there is a rate. */
      readonly eta: number | null;
      readonly window: number;
      readonly chunk: number;
    }
  | { readonly type: 'warning'; readonly code: string; readonly message: string }
  | {
      readonly type: 'done';
      readonly outcome: UpdateOutcome;
      /** The image's version (imgtool notation) and hash, as the device lists it. */
      readonly version: string;
      readonly hash: string;
    }
  | { readonly type: 'failed'; readonly code: string; readonly message: string };
