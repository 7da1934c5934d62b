/**
 * SMP requests and answers over a Transport (code-models.md C3): each request
 * gets a sequence number, answers are matched by it (and by group and
 * command), several requests may be in flight, each has its own timeout and
 * AbortSignal, and closing the transport rejects everything pending with the
 * close reason. Late, unknown and malformed answers are dropped and counted,
 * never thrown: the link stays usable for the next request.
 * @module
 */
import {
  checkAnswer,
  decodeFrame,
  encodeFrame,
  Fields,
  Op,
  SmpVersion,
  type SmpRequest,
} from '../core/smp/index.ts';
import { TransportClosedError, type CloseReason, type Transport } from '../transport/types.ts';
import { FrameTooLargeError, SmpTimeoutError, TooManyPendingError } from './errors.ts';

export interface SmpClientOptions {
  /** Default answer timeout per request (ms). */
  readonly timeoutMs?: number;
  /** SMP version bits to send: 1 (SMP v2, default) or 0 (v1). */
  readonly smpVersion?: 0 | 1;
  /**
   * How long a sequence number whose request timed out or was aborted stays
   * unused (ms), so that its late answer cannot be taken for a newer request's.
   */
  readonly quarantineMs?: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface ClientStats {
  sent: number;
  answered: number;
  timeouts: number;
  /** Answers that came after their request timed out or was aborted. */
  late: number;
  /** Answers whose sequence number matches nothing sent. */
  unknown: number;
  /** Answers with a pending sequence number but another group or command. */
  mismatched: number;
  /** Frames that did not decode (bad header length, bad CBOR). */
  malformed: number;
  /** Frames that were requests, not answers. */
  notAnswers: number;
}

interface Pending {
  readonly group: number;
  readonly command: number;
  settle(body: Parameters<typeof checkAnswer>[0] | Error): void;
}

export class SmpClient {
  readonly stats: ClientStats = {
    sent: 0,
    answered: 0,
    timeouts: 0,
    late: 0,
    unknown: 0,
    mismatched: 0,
    malformed: 0,
    notAnswers: 0,
  };
  /**
   * Largest frame the device and link take (set by negotiateLink from mcumgr
   * params): a larger request is refused here, with a clear error, instead of
   * being dropped by the device and met as a timeout.
   */
  maxFrame = Infinity;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #version: 0 | 1;
  readonly #quarantineMs: number;
  readonly #pending = new Map<number, Pending>();
  readonly #quarantine = new Map<number, number>();
  #nextSeq = 0;
  #closeReason: CloseReason | null = null;

  constructor(transport: Transport, options: SmpClientOptions = {}) {
    this.#transport = transport;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#version = options.smpVersion ?? SmpVersion.V2;
    this.#quarantineMs = options.quarantineMs ?? 30_000;
    void this.#readLoop();
    void transport.closed.then((reason) => this.#onClosed(reason));
  }

  get transport(): Transport {
    return this.#transport;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  get closed(): Promise<CloseReason> {
    return this.#transport.closed;
  }

  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Sends `request` and resolves with its parsed answer; rejects with a typed error. */
  async request<T>(request: SmpRequest<T>, options: RequestOptions = {}): Promise<T> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.#closeReason) throw new TransportClosedError(this.#transport.kind, this.#closeReason);
    const seq = this.#allocate();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const frame = encodeFrame(
      {
        op: request.op,
        version: this.#version,
        flags: 0,
        group: request.group,
        seq,
        command: request.command,
      },
      request.body,
    );
    // Nothing is pending yet, so the sequence number just taken is simply not used.
    if (frame.length > this.maxFrame)
      throw new FrameTooLargeError(request.name, frame.length, this.maxFrame);

    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    let entry: Pending | undefined;
    const answer = new Promise<Parameters<Pending['settle']>[0]>((resolve) => {
      entry = { group: request.group, command: request.command, settle: resolve };
      this.#pending.set(seq, entry);
      const giveUp = (error: Error) => {
        if (this.#pending.get(seq) === entry) {
          this.#pending.delete(seq);
          this.#quarantine.set(seq, Date.now() + this.#quarantineMs);
        }
        resolve(error);
      };
      timer = setTimeout(() => {
        this.stats.timeouts++;
        giveUp(new SmpTimeoutError(request.name, timeoutMs));
      }, timeoutMs);
      if (signal) {
        onAbort = () =>
          giveUp(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    try {
      try {
        await this.#transport.send(frame, { signal });
        this.stats.sent++;
      } catch (error) {
        entry?.settle(error instanceof Error ? error : new Error(String(error)));
      }
      const result = await answer;
      if (result instanceof Error) throw result;
      return request.parse(
        new Fields(checkAnswer(result, { group: request.group, name: request.name }), request.name),
      );
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      // Only our own entry: the number may already serve a newer request.
      if (this.#pending.get(seq) === entry) this.#pending.delete(seq);
    }
  }

  #allocate(): number {
    const now = Date.now();
    for (let i = 0; i < 256; i++) {
      const seq = (this.#nextSeq + i) & 0xff;
      if (this.#pending.has(seq)) continue;
      const until = this.#quarantine.get(seq);
      if (until !== undefined && until > now) continue;
      this.#quarantine.delete(seq);
      this.#nextSeq = (seq + 1) & 0xff;
      return seq;
    }
    throw new TooManyPendingError();
  }

  async #readLoop(): Promise<void> {
    const reader = this.#transport.frames.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        this.#onFrame(value);
      }
    } catch {
      // The stream errored: the transport is closing; #onClosed rejects what is pending.
    } finally {
      reader.releaseLock();
    }
  }

  #onFrame(bytes: Uint8Array): void {
    let frame;
    try {
      frame = decodeFrame(bytes);
    } catch {
      this.stats.malformed++;
      return;
    }
    const { header, body } = frame;
    if (header.op !== Op.READ_RSP && header.op !== Op.WRITE_RSP) {
      this.stats.notAnswers++;
      return;
    }
    const pending = this.#pending.get(header.seq);
    if (!pending) {
      if (this.#quarantine.delete(header.seq)) this.stats.late++;
      else this.stats.unknown++;
      return;
    }
    if (pending.group !== header.group || pending.command !== header.command) {
      this.stats.mismatched++;
      return;
    }
    this.#pending.delete(header.seq);
    this.stats.answered++;
    pending.settle(body);
  }

  #onClosed(reason: CloseReason): void {
    this.#closeReason = reason;
    const error = new TransportClosedError(this.#transport.kind, reason);
    for (const pending of this.#pending.values()) pending.settle(error);
    this.#pending.clear();
  }
}
