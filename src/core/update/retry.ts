/**
 * What to do when an upload request fails: a typed decision, so the engine's
 * loop has no guesswork. Every offset has a retry budget; waits back off.
 * @module
 */

export type UploadFailure =
  /**
   * No answer within the phase's timeout. `pipelined`: other requests were in
   * flight, so the loss is most likely the pipelining itself (a device that
   * drops what arrives while it is busy): the window narrows, frames need not.
   */
  | { readonly kind: 'timeout'; readonly pipelined?: boolean }
  /** Every request was answered, but the device is still behind the data sent. */
  | { readonly kind: 'behind' }
  /** The device said EBUSY (rc 10) or ran out of memory (rc 2). */
  | { readonly kind: 'busy' }
  /** The device refused the request for good (any other rc): the chunk cannot succeed. */
  | { readonly kind: 'refused'; readonly rc: number }
  /** The link is gone. */
  | { readonly kind: 'link-lost' };

export type UploadDecision =
  /** Send again from the device's offset after `waitMs`. */
  | { readonly action: 'retry'; readonly waitMs: number }
  /** Send again with smaller frames (a frame may be too large for the link in a burst). */
  | { readonly action: 'shrink'; readonly waitMs: number }
  /** Reconnect, re-read the device, and continue from its offset. */
  | { readonly action: 'reconnect' }
  /** Stop with a typed error. */
  | { readonly action: 'abort'; readonly why: string };

export interface RetryPolicy {
  /** Failures tolerated at one offset before giving up. */
  readonly perOffset: number;
  /** First back-off wait, doubled each time up to maxWaitMs. */
  readonly baseWaitMs: number;
  readonly maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { perOffset: 6, baseWaitMs: 50, maxWaitMs: 2000 };

/**
 * The decision for the `attempt`-th failure (1 = first) at one offset.
 * Timeouts alternate between shrinking and plain retries, since a loss is
 * often a frame too long for the device in a burst.
 */
export function decide(
  failure: UploadFailure,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY,
): UploadDecision {
  if (failure.kind === 'link-lost') return { action: 'reconnect' };
  // Asked once more: over Bluetooth (no checksum) a damaged request can draw a refusal;
  // a real one comes again.
  if (failure.kind === 'refused' && attempt > 1) {
    return { action: 'abort', why: `the device refused the chunk (rc ${failure.rc})` };
  }
  if (attempt > policy.perOffset) {
    return {
      action: 'abort',
      why:
        failure.kind === 'busy'
          ? `the device stayed busy through ${policy.perOffset} attempts`
          : failure.kind === 'behind'
            ? `the device kept asking for this offset through ${policy.perOffset} attempts`
            : `the device did not answer ${policy.perOffset} attempts at this offset`,
    };
  }
  const waitMs = Math.min(policy.maxWaitMs, policy.baseWaitMs * 2 ** (attempt - 1));
  if (failure.kind === 'timeout' && !failure.pipelined && attempt % 2 === 1) {
    return { action: 'shrink', waitMs };
  }
  return { action: 'retry', waitMs };
}
