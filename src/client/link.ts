/**
 * Learning what a link and device can carry, once after connecting: the
 * device's buffer size and count (mcumgr params), and over Web Bluetooth —
 * which hides the ATT MTU — the largest write that arrives whole, found by
 * echo probes of exactly that size (research/protocols.md §3 "Choosing chunk
 * size"). Never a fixed guess: probing starts from sizes that always work and
 * accepts a size only when the device answered a probe sent in one write.
 * @module
 */
import { MgmtErr, os, SmpDeviceError } from '../core/smp/index.ts';
import { isWriteSizeTunable, type Transport } from '../transport/types.ts';
import { SmpTimeoutError } from './errors.ts';
import type { SmpClient } from './smp-client.ts';

/** Zephyr's default CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE/COUNT, assumed when the device cannot say. */
export const DEFAULT_BUF_SIZE = 384;
export const DEFAULT_BUF_COUNT = 4;

export interface LinkInfo {
  /** From mcumgr params; null when the device does not support the query. */
  readonly params: { readonly bufSize: number; readonly bufCount: number } | null;
  /** Frame bytes per underlying write, after probing. */
  readonly writeSize: number;
  /** Largest SMP frame (header + CBOR) to send: fits the device buffer and the link. */
  readonly maxFrame: number;
  /** Requests that may be in flight at once (device buffers, less one for the answer). */
  readonly window: number;
  /**
   * Bluetooth only: whether the device put a frame split over several writes
   * back together (CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY), as probed. Without
   * it every frame must fit one write. Null on other links.
   */
  readonly reassembly: boolean | null;
}

export interface NegotiateOptions {
  readonly signal?: AbortSignal | undefined;
  /** Timeout of each write-size probe (ms). */
  readonly probeTimeoutMs?: number;
}

/** Echo text that makes the echo request frame exactly `frameSize` bytes. */
function probeText(frameSize: number): string | null {
  // frame = 8 header + 1 map head + 2 ("d") + text head + text
  for (const head of [3, 2, 1]) {
    const n = frameSize - 11 - head;
    const fits =
      head === 1 ? n >= 0 && n < 24 : head === 2 ? n >= 24 && n <= 0xff : n > 0xff && n <= 0xffff;
    if (fits) return 'p'.repeat(n);
  }
  return null;
}

export async function negotiateLink(
  client: SmpClient,
  options: NegotiateOptions = {},
): Promise<LinkInfo> {
  const transport: Transport = client.transport;
  const { signal } = options;
  // Negotiating again (after a lost answer) learns the limits afresh: the probes may exceed the old ones.
  client.maxFrame = Infinity;
  let params: LinkInfo['params'] = null;
  try {
    params = await client.request(os.mcumgrParams(), { signal });
  } catch (error) {
    // Not supported (rc 8, e.g. MCUboot serial recovery without BOOT_MGMT_MCUMGR_PARAMS): use defaults.
    if (!(
      error instanceof SmpDeviceError &&
      error.detail.style === 'v1' &&
      error.rc === MgmtErr.ENOTSUP
    ))
      throw error;
  }
  const bufSize = params?.bufSize ?? DEFAULT_BUF_SIZE;

  /** True when the device answered an echo request frame of exactly `size` bytes. */
  const answered = async (size: number, tries = 1): Promise<boolean> => {
    const text = probeText(size);
    if (text === null) return false;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.request(os.echo(text), { signal, timeoutMs: options.probeTimeoutMs ?? 1500 });
        return true;
      } catch (error) {
        // Any answer proves the frame arrived whole (echo may be disabled: rc 8) — except
        // ECORRUPT: without reassembly Zephyr takes the first write alone as the packet,
        // finds the header announcing more bytes than it holds, and says so (smp.c).
        if (error instanceof SmpDeviceError) return error.rc !== MgmtErr.ECORRUPT;
        if (!(error instanceof SmpTimeoutError)) throw error;
        if (attempt >= tries) return false;
      }
    }
  };

  let reassembly: boolean | null = null;
  let maxFrame = bufSize - transport.frameOverhead;
  if (isWriteSizeTunable(transport)) {
    const safe = transport.writeSize;
    let chosen = safe;
    for (const size of transport.writeSizeCandidates) {
      if (size <= safe || size > bufSize) continue;
      transport.setWriteSize(size);
      if (await answered(size)) {
        chosen = size;
        break;
      }
    }
    transport.setWriteSize(chosen);
    // A frame over several writes only arrives if the device reassembles; find out
    // now rather than meet it as a silent loss in the middle of an upload.
    // Either answer (echo, or ECORRUPT) comes at once, so a timeout here is a loss: ask twice.
    reassembly = maxFrame > chosen ? await answered(Math.min(maxFrame, chosen * 2 + 1), 2) : false;
    if (!reassembly) maxFrame = Math.min(maxFrame, chosen);
  }

  const bufCount = params?.bufCount ?? 1;
  // From now on the client refuses requests the device could not take.
  client.maxFrame = maxFrame;
  return {
    params,
    writeSize: transport.writeSize,
    maxFrame,
    window: Math.max(1, bufCount - 1),
    reassembly,
  };
}
