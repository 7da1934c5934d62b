/**
 * The SMP server of the simulated device: a handler table keyed by (group,
 * command), with Zephyr's packet loop, dispatch and error shapes (smp.c
 * `smp_process_request_packet`, `smp_handle_single_req`; mgmt.c;
 * research/protocols.md §2.1, §2.4):
 * - a packet may hold several requests, answered one by one; the first that
 *   fails ends the packet; fewer than 8 bytes left are ignored;
 * - a header announcing more bytes than the packet holds → `{rc: 9}`;
 * - version field 2 or 3 → `{rc: 13}`; an answer's version is the request's;
 * - an unknown group or command, or an op the command does not take → `{rc: 8}`
 *   in v1 style whatever the request's version; ops other than READ/WRITE too;
 * - a group error is `{err: {group, rc}}` to an SMP v2 request and the group's
 *   v1 translation `{rc}` to an SMP v1 one;
 * - an answer larger than the netbuf → `{rc: 7}` (EMSGSIZE).
 * Answers are encoded as zcbor encodes them (indefinite-length maps).
 * @module
 */
import {
  decodeHeader,
  decodeLeadingMap,
  encodeHeader,
  MgmtErr,
  responseOp,
  SMP_HEADER_SIZE,
  type CborMap,
  type SmpHeader,
} from '../core/smp/index.ts';
import { encodeZcbor, type ZcborMap } from './zcbor.ts';

export interface SmpRequestIn {
  readonly header: SmpHeader;
  /**
   * The request's map, decoded as zcbor_map_decode_bulk would take it; throws
   * BadRequest (→ `{rc: 3}`) when the payload is not one map with text keys.
   * Handlers that take no arguments never call it, so their payload may be anything (as in Zephyr).
   */
  body(): CborMap;
  /** Adds the time the handler keeps the SMP thread busy (flash erases and writes). */
  spend(ms: number): void;
}

/** The request's arguments are malformed: zcbor_map_decode_bulk failed → MGMT_ERR_EINVAL. */
export class BadRequest extends Error {}

export type Answer =
  /** Success: the body as the handler writes it, keys in order. */
  | { readonly body: ZcborMap }
  /** A MGMT_ERR code: `{rc}` for any request version (smp_build_err_rsp). */
  | { readonly mgmt: number }
  /** A group code: `{err: {group, rc}}` (v2) or `{rc: translate(rc)}` (v1). */
  | { readonly group: number; readonly rc: number };

export type Handler = (request: SmpRequestIn) => Answer | Promise<Answer>;

export interface CommandHandlers {
  readonly read?: Handler;
  readonly write?: Handler;
}

/** A group's v1 translation of its own error codes (e.g. img_mgmt_translate_error_code). */
export type Translate = (rc: number) => number;

export interface HandledRequest {
  readonly header: SmpHeader;
  /** The answer frame. */
  readonly answer: Uint8Array;
  /** How long the handler kept the SMP thread busy. */
  readonly busyMs: number;
}

export class SmpServer {
  readonly #table = new Map<number, Map<number, CommandHandlers>>();
  readonly #translate = new Map<number, Translate>();

  /** @param bufSize CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE: an answer frame must fit in one netbuf. */
  constructor(readonly bufSize: number) {}

  register(group: number, command: number, handlers: CommandHandlers): void {
    let commands = this.#table.get(group);
    if (!commands) this.#table.set(group, (commands = new Map<number, CommandHandlers>()));
    commands.set(command, handlers);
  }

  translation(group: number, translate: Translate): void {
    this.#translate.set(group, translate);
  }

  /**
   * Serves one transport packet (a serial frame, a BLE write or reassembled
   * frame). `each` runs ahead of each request and may skip it or answer it
   * busy without running it (faults);
   * answers are handed to `answer` as they are made.
   */
  async handlePacket(
    packet: Uint8Array,
    each: (request: SmpHeader) => 'serve' | 'skip' | 'busy',
    answer: (done: HandledRequest) => Promise<void>,
  ): Promise<void> {
    let rest = packet;
    while (rest.length >= SMP_HEADER_SIZE) {
      const header = decodeHeader(rest);
      const payload = rest.subarray(SMP_HEADER_SIZE);
      if (payload.length < header.length) {
        await answer({ header, answer: this.#frame(header, { rc: MgmtErr.ECORRUPT }), busyMs: 0 });
        return;
      }
      const action = each(header);
      if (action === 'skip') return;
      if (action === 'busy') {
        // Not executed: the device says it is busy (MGMT_ERR_EBUSY) and ends the packet there.
        await answer({ header, answer: this.#frame(header, { rc: MgmtErr.EBUSY }), busyMs: 0 });
        return;
      }
      let busyMs = 0;
      const { body, failed } = await this.#serve(header, payload, (ms) => (busyMs += ms));
      await answer({ header, answer: body, busyMs });
      if (failed) return;
      rest = payload.subarray(header.length);
    }
  }

  async #serve(
    header: SmpHeader,
    payload: Uint8Array,
    spend: (ms: number) => void,
  ): Promise<{ body: Uint8Array; failed: boolean }> {
    const fail = (rc: number) => ({ body: this.#frame(header, { rc }), failed: true });
    if (header.op !== 0 && header.op !== 2) return fail(MgmtErr.ENOTSUP);
    if (header.version > 1) return fail(MgmtErr.UNSUPPORTED_TOO_NEW);
    const handlers = this.#table.get(header.group)?.get(header.command);
    const handler = header.op === 0 ? handlers?.read : handlers?.write;
    if (!handler) return fail(MgmtErr.ENOTSUP);
    let answer: Answer;
    try {
      answer = await handler({
        header,
        // zcbor reads from all the bytes left in the packet, stopping after the first map.
        body: () => decodeFirstMap(payload),
        spend,
      });
    } catch (error) {
      if (error instanceof BadRequest) return fail(MgmtErr.EINVAL);
      throw error;
    }
    if ('mgmt' in answer) return fail(answer.mgmt);
    let body: ZcborMap;
    if ('body' in answer) body = answer.body;
    else if (header.version === 0)
      return fail(this.#translate.get(answer.group)?.(answer.rc) ?? MgmtErr.EUNKNOWN);
    else body = { err: { group: answer.group, rc: answer.rc } };
    const frame = this.#frame(header, body);
    if (frame.length > this.bufSize) return fail(MgmtErr.EMSGSIZE);
    return { body: frame, failed: false };
  }

  #frame(request: SmpHeader, body: ZcborMap): Uint8Array {
    const payload = encodeZcbor(body);
    const head = encodeHeader({
      op: responseOp(request.op),
      version: Math.min(request.version, 1),
      flags: 0,
      length: payload.length,
      group: request.group,
      seq: request.seq,
      command: request.command,
    });
    const out = new Uint8Array(head.length + payload.length);
    out.set(head);
    out.set(payload, head.length);
    return out;
  }
}

function decodeFirstMap(bytes: Uint8Array): CborMap {
  try {
    return decodeLeadingMap(bytes);
  } catch (cause) {
    throw new BadRequest('the request is not one CBOR map with text keys', { cause });
  }
}
