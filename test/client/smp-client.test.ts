/**
 * SmpClient over an in-memory transport: matching by sequence number, several
 * in flight, wrap-around, timeouts, late and unknown answers, abort, close
 * with requests pending, and device errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameTooLargeError, SmpTimeoutError } from '../../src/client/errors.ts';
import { SmpClient } from '../../src/client/smp-client.ts';
import {
  encodeFrame,
  image,
  MgmtErr,
  os,
  SmpDeviceError,
  SmpShapeError,
} from '../../src/core/smp/index.ts';
import { createMemoryPair } from '../../src/transport/memory.ts';
import { TransportClosedError } from '../../src/transport/types.ts';
import { answer, echoDevice, respond, type Handler } from '../helpers/responder.ts';

function setup(
  handler: Handler = echoDevice,
  options: ConstructorParameters<typeof SmpClient>[1] = {},
) {
  const { host, device } = createMemoryPair();
  const log = respond(device, handler);
  return { client: new SmpClient(host, options), host, device, log };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SmpClient', () => {
  it('sends SMP v2 requests and returns parsed answers', async () => {
    const { client, log } = setup();
    expect(await client.request(os.echo('hello'))).toBe('hello');
    expect(log.requests[0]?.header).toMatchObject({
      op: 2,
      version: 1,
      group: 0,
      command: 0,
      seq: 0,
    });
    expect(client.stats).toMatchObject({ sent: 1, answered: 1 });
  });

  it('matches answers by sequence number with several requests in flight, answered in reverse', async () => {
    const held: Parameters<Handler>[0][] = [];
    let flush: () => void = () => undefined;
    const flushed = new Promise<void>((r) => (flush = r));
    const { client } = setup((req) => {
      held.push(req);
      if (held.length < 5) return [];
      flush();
      return held.reverse().map((r) => answer(r, { r: `re:${r.body['d'] as string}` }));
    });
    const replies = Promise.all([0, 1, 2, 3, 4].map((i) => client.request(os.echo(String(i)))));
    await flushed;
    expect(await replies).toEqual(['re:0', 're:1', 're:2', 're:3', 're:4']);
  });

  it('wraps the sequence number after 255 and keeps matching', async () => {
    const { client, log } = setup();
    for (let i = 0; i < 300; i++) expect(await client.request(os.echo(`n${i}`))).toBe(`n${i}`);
    expect(log.requests.map((r) => r.header.seq).slice(254, 258)).toEqual([254, 255, 0, 1]);
  });

  it('times out a silent device, then keeps working; a late answer is dropped and counted', async () => {
    let silent: Parameters<Handler>[0] | null = null;
    const { client, device } = setup((req) => {
      if (req.body['d'] === 'lost') {
        silent = req;
        return [];
      }
      return echoDevice(req);
    });
    await expect(client.request(os.echo('lost'), { timeoutMs: 50 })).rejects.toBeInstanceOf(
      SmpTimeoutError,
    );
    expect(client.stats.timeouts).toBe(1);
    expect(await client.request(os.echo('next'))).toBe('next');
    // The late answer to the timed-out request arrives now: dropped, not given to anyone.
    await device.send(answer(silent ?? (undefined as never), { r: 'lost' }));
    expect(await client.request(os.echo('after'))).toBe('after');
    expect(client.stats.late).toBe(1);
  });

  it('does not reuse a timed-out sequence number while its answer may still come', async () => {
    const { client, log } = setup((req) => (req.header.seq === 0 ? [] : echoDevice(req)));
    await expect(client.request(os.echo('x'), { timeoutMs: 20 })).rejects.toBeInstanceOf(
      SmpTimeoutError,
    );
    for (let i = 0; i < 260; i++) await client.request(os.echo('y'));
    expect(log.requests.slice(1).some((r) => r.header.seq === 0)).toBe(false);
  });

  it('drops and counts unknown, mismatched, malformed and non-answer frames, and keeps the request waiting', async () => {
    const { client } = setup((req) => [
      answer(req, { r: 'other' }, { seq: (req.header.seq + 7) & 0xff }), // unknown seq
      answer(req, { r: 'wrong' }, { group: 9 }), // same seq, other group
      Uint8Array.of(0x0b, 0, 0, 5, 0, 0, req.header.seq, 0, 0xa1), // length lies
      encodeFrame(
        { op: 2, version: 1, flags: 0, group: 0, seq: req.header.seq, command: 0 },
        { d: 'loop' },
      ), // a request
      answer(req, { r: 'right' }),
    ]);
    expect(await client.request(os.echo('x'))).toBe('right');
    expect(client.stats).toMatchObject({
      unknown: 1,
      mismatched: 1,
      malformed: 1,
      notAnswers: 1,
      answered: 1,
    });
  });

  it('turns v1 {rc} and v2 {err} answers into SmpDeviceError, and a bad shape into SmpShapeError', async () => {
    const { client } = setup((req) => {
      if (req.header.group === 1 && req.header.command === 0)
        return [answer(req, { err: { group: 1, rc: 28 } })];
      if (req.header.command === 6) return [answer(req, { rc: MgmtErr.ENOTSUP })];
      return [answer(req, { r: 42 })];
    });
    const v2 = await client.request(image.imageConfirm()).catch((e: unknown) => e);
    expect(v2).toBeInstanceOf(SmpDeviceError);
    expect((v2 as SmpDeviceError).errorName).toBe('IMAGE_ALREADY_PENDING');
    expect((v2 as Error).message).toMatch(/another image is already pending/);
    const v1 = await client.request(os.mcumgrParams()).catch((e: unknown) => e);
    expect(v1).toMatchObject({ detail: { style: 'v1', rc: 8 }, errorName: 'ENOTSUP' });
    await expect(client.request(os.echo('x'))).rejects.toBeInstanceOf(SmpShapeError);
  });

  it('rejects with the abort reason, before sending or while waiting, and removes its listener', async () => {
    const { client, log } = setup(() => []);
    const early = new AbortController();
    early.abort(new Error('cancelled by user'));
    await expect(client.request(os.echo('x'), { signal: early.signal })).rejects.toThrow(
      'cancelled by user',
    );
    expect(log.requests).toHaveLength(0);

    const late = new AbortController();
    const add = vi.spyOn(late.signal, 'addEventListener');
    const remove = vi.spyOn(late.signal, 'removeEventListener');
    const pending = client.request(os.echo('y'), { signal: late.signal });
    setTimeout(() => late.abort(new Error('stop')), 10);
    await expect(pending).rejects.toThrow('stop');
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(client.pending).toBe(0);
  });

  it('rejects every pending request with the close reason, and later ones at once', async () => {
    const { client, device } = setup(() => []);
    const a = client.request(os.echo('a'));
    const b = client.request(image.imageState());
    await new Promise((r) => setTimeout(r, 5));
    await device.close(); // the device end goes away
    for (const p of [a, b]) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportClosedError);
      expect((err as TransportClosedError).reason.kind).toBe('device-lost');
    }
    await expect(client.request(os.echo('c'))).rejects.toBeInstanceOf(TransportClosedError);
    expect(client.pending).toBe(0);
  });

  it('refuses a request larger than the device takes, without sending it', async () => {
    const { client, log } = setup();
    client.maxFrame = 100;
    const err = await client.request(os.echo('x'.repeat(200))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect((err as Error).message).toMatch(
      /would be a 213-byte SMP frame, but the device takes at most 100 bytes/,
    );
    expect(await client.request(os.echo('fits'))).toBe('fits');
    expect(log.requests).toHaveLength(1);
  });

  it('leaves no timer behind once requests settle', async () => {
    vi.useFakeTimers();
    const { client } = setup();
    const reply = client.request(os.echo('t'), { timeoutMs: 60_000 });
    await vi.advanceTimersByTimeAsync(5);
    expect(await reply).toBe('t');
    expect(vi.getTimerCount()).toBe(0);
  });
});
