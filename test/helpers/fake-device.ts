/**
 * A small scripted SMP device for client, CLI and transport tests, standing in
 * until the real simulator (src/sim) exists: Zephyr-shaped answers for echo,
 * params, info, bootloader info, image state read/write, upload (with the
 * device's offset as truth), erase and reset. Not a faithful device model.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { MgmtErr, type CborMap, type SmpFrame } from '../../src/core/smp/index.ts';
import { answer, type Handler } from './responder.ts';

export interface FakeDeviceOptions {
  readonly bufSize?: number | null;
  readonly bufCount?: number;
  /** Frames larger than this are dropped silently (Zephyr's netbuf). */
  readonly dropFramesOver?: number;
}

export interface FakeDeviceState {
  uploaded: Uint8Array;
  off: number;
  len: number;
  sha: Uint8Array | null;
  pendingHash: Uint8Array | null;
  confirmed: boolean;
  resets: number;
  requests: SmpFrame[];
}

const RUNNING_HASH = new Uint8Array(32).fill(0xaa);

export function fakeDevice(options: FakeDeviceOptions = {}): {
  handler: Handler;
  state: FakeDeviceState;
} {
  const state: FakeDeviceState = {
    uploaded: new Uint8Array(0),
    off: 0,
    len: 0,
    sha: null,
    pendingHash: null,
    confirmed: false,
    resets: 0,
    requests: [],
  };
  const list = (): CborMap => ({
    images: [
      {
        slot: 0,
        version: '1.0.0',
        hash: RUNNING_HASH,
        bootable: true,
        pending: false,
        confirmed: true,
        active: true,
        permanent: false,
      },
      ...(state.len && state.off === state.len
        ? [
            {
              slot: 1,
              version: '2.0.0',
              hash: state.pendingHash ?? sha256(state.uploaded),
              bootable: true,
              pending: state.pendingHash !== null,
              confirmed: false,
              active: false,
              permanent: state.confirmed,
            },
          ]
        : []),
    ],
    splitStatus: 0,
  });
  const handler: Handler = (req) => {
    const { group, command, op } = req.header;
    const b = req.body;
    const key = `${group}/${command}/${op}`;
    switch (key) {
      case '0/0/2':
        return [answer(req, { r: b['d'] as string })];
      case '0/6/0':
        return [
          answer(
            req,
            options.bufSize === null
              ? { rc: MgmtErr.ENOTSUP }
              : { buf_size: options.bufSize ?? 384, buf_count: options.bufCount ?? 4 },
          ),
        ];
      case '0/7/0':
        return [answer(req, { output: 'Zephyr fake-board' })];
      case '0/8/0':
        return [answer(req, b['query'] === 'mode' ? { mode: 3 } : { bootloader: 'MCUboot' })];
      case '0/5/2':
        state.resets++;
        state.off = 0; // upload state lives in RAM
        return [answer(req, {})];
      case '1/0/0':
        return [answer(req, list())];
      case '1/0/2': {
        const hash = b['hash'] as Uint8Array | undefined;
        if (hash && !(state.len && state.off === state.len))
          return [answer(req, { err: { group: 1, rc: 8 } })];
        if (hash) state.pendingHash = hash;
        state.confirmed = b['confirm'] === true;
        return [answer(req, list())];
      }
      case '1/1/2': {
        const off = b['off'] as number;
        const data = b['data'] as Uint8Array;
        if (off === 0) {
          if (data.length < 32) return [answer(req, { err: { group: 1, rc: 22 } })];
          const sha = (b['sha'] as Uint8Array | undefined) ?? null;
          const resume =
            sha &&
            state.sha &&
            state.len &&
            Buffer.compare(sha, state.sha) === 0 &&
            state.off < state.len;
          if (resume) return [answer(req, { off: state.off })];
          state.len = b['len'] as number;
          state.sha = sha;
          state.uploaded = new Uint8Array(state.len);
          state.off = 0;
        } else if (off !== state.off) {
          return [answer(req, { off: state.off })];
        }
        if (off + data.length > state.len) return [answer(req, { err: { group: 1, rc: 31 } })];
        state.uploaded.set(data, off);
        state.off = off + data.length;
        const done = state.off === state.len;
        return [
          answer(
            req,
            done && state.sha
              ? { off: state.off, match: Buffer.compare(sha256(state.uploaded), state.sha) === 0 }
              : { off: state.off },
          ),
        ];
      }
      case '1/5/2':
        state.len = 0;
        state.off = 0;
        return [answer(req, {})];
      default:
        return [answer(req, { rc: MgmtErr.ENOTSUP })];
    }
  };
  const guarded: Handler = (req) => {
    state.requests.push(req); // every request that arrived, answered or dropped
    const size = 8 + req.header.length;
    if (options.dropFramesOver !== undefined && size > options.dropFramesOver) return [];
    return handler(req);
  };
  return { handler: guarded, state };
}
