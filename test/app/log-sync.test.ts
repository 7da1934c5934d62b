/**
 * app/log-sync.ts against a real HTTP server on 127.0.0.1 (node:http) and
 * Node's own fetch. The server behaves like a correct log server: it stores
 * each entry once (deduplicating by id), checks that every new entry links
 * onto the last one it holds, and can be scripted to fail: 500s, a stored
 * batch whose answer is lost (socket destroyed), 429 with Retry-After, 4xx,
 * redirects, no answer at all. Waits are recorded and skipped (an injected
 * sleep), so the run is fast and the backoff is visible.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LOG_BATCH_FORMAT,
  SyncEndpointError,
  SyncGaveUpError,
  SyncRejectedError,
  verifyChain,
  type LogEntry,
  type LogEntryDraft,
} from '../../src/core/log/index.ts';
import { syncLog, type LogSyncOptions, type LogSyncState } from '../../src/app/log-sync.ts';
import {
  idbUpdateLogStore,
  memoryUpdateLogStore,
  type UpdateLogStore,
} from '../../src/store/update-log-idb.ts';

type Step = 'ok' | '500' | 'lost' | '429' | '400' | '413-if-large' | 'redirect' | 'hang';

interface LogServer {
  readonly url: string;
  /** What the server holds, in the order it stored it. */
  readonly stored: LogEntry[];
  /** Every request: the seqs it carried, its idempotency key, and how it was answered. */
  readonly requests: { seqs: number[]; key: string | undefined; step: Step }[];
  /** Answers for the next requests, in order; then 'ok'. */
  readonly script: Step[];
  /** Resolves when a request arrives (for the hang test). */
  arrived(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function startServer(script: Step[] = []): Promise<LogServer> {
  const stored: LogEntry[] = [];
  const byId = new Set<string>();
  const requests: LogServer['requests'] = [];
  let onArrival: (() => void) | null = null;

  function store(entries: LogEntry[]): string | null {
    for (const e of entries) {
      if (byId.has(e.id)) continue; // idempotent: a resent entry is stored once
      const last = stored.at(-1);
      if (e.seq !== (last?.seq ?? 0) + 1 || e.prevHash !== (last?.hash ?? '0'.repeat(64))) {
        return `entry ${e.seq} does not link onto ${last?.seq ?? 0}`;
      }
      stored.push(e);
      byId.add(e.id);
    }
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      format: string;
      schema: number;
      entries: LogEntry[];
    };
    const step = server.script.shift() ?? 'ok';
    const key = req.headers['idempotency-key'];
    requests.push({ seqs: body.entries.map((e) => e.seq), key: key as string | undefined, step });
    onArrival?.();
    if (
      req.method !== 'POST' ||
      req.headers['content-type'] !== 'application/json' ||
      body.format !== LOG_BATCH_FORMAT ||
      body.schema !== 1
    ) {
      res.writeHead(400).end('not a log batch');
      return;
    }
    switch (step) {
      case '500':
        res.writeHead(500).end('temporarily broken');
        return;
      case '429':
        res.writeHead(429, { 'retry-after': '30' }).end('slow down');
        return;
      case '400':
        res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown field "x"\n in entry 1');
        return;
      case 'redirect':
        res.writeHead(302, { location: '/elsewhere' }).end();
        return;
      case 'hang':
        return; // never answers
      case '413-if-large':
        if (body.entries.length > 3) {
          res.writeHead(413).end('too large');
          server.script.unshift('413-if-large');
          return;
        }
        break;
      case 'lost':
      case 'ok':
        break;
    }
    const problem = store(body.entries);
    if (step === 'lost') {
      req.socket.destroy(); // stored, but the phone never hears so
      return;
    }
    if (problem) res.writeHead(409).end(problem);
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }

  const http = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(400).end('unreadable'));
  });
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const server: LogServer = {
    url: `http://127.0.0.1:${port}/log`,
    stored,
    requests,
    script,
    arrived: () => new Promise((resolve) => (onArrival = resolve)),
  };
  return server;
}

const draft: LogEntryDraft = {
  time: '2025-05-01T09:30:00.000Z',
  device: 'serial:2fe3:0100',
  deviceName: 'Pump 7',
  board: 'nrf52840dk',
  fromVersion: '0.9.0+0',
  toVersion: '1.0.0+0',
  imageHash: 'ab'.repeat(32),
  transport: 'serial',
  bytes: 1000,
  durationMs: 2000,
  resumes: 0,
  result: 'updated',
  errorCode: null,
  note: null,
};

let idCount = 0;
async function fill(store: UpdateLogStore, n: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for (let i = 0; i < n; i++)
    out.push(await store.append({ ...draft, bytes: i }, `id-${++idCount}`));
  return out;
}

/** Options with a sleep that records the wait and returns at once, a fixed jitter and clock. */
function options(store: UpdateLogStore, server: LogServer, more: Partial<LogSyncOptions> = {}) {
  const sleeps: number[] = [];
  const states: LogSyncState[] = [];
  const o: LogSyncOptions = {
    store,
    endpoint: server.url,
    fetch,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => 1_750_000_000_000,
    onState: (s) => states.push(s),
    ...more,
  };
  return { o, sleeps, states };
}

describe('syncLog against a local server', () => {
  it('through 500s, a lost response and a 429: every entry on the server exactly once, in order', async () => {
    const store = idbUpdateLogStore(`fieldflash-log-sync-${Date.now()}`);
    const entries = await fill(store, 250);
    const server = await startServer(['500', '500', 'lost', '429']);
    const { o, sleeps, states } = options(store, server, { maxAttempts: 10 });

    expect(await syncLog(o)).toEqual({ sent: 250, synced: 250 });

    expect(server.stored.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    expect(server.stored).toEqual(entries);
    expect(verifyChain(server.stored, { seq: 250, hash: entries[249]!.hash })).toMatchObject({
      ok: true,
      count: 250,
    });
    // The first batch five times (two 500s, the lost answer, the 429, then stored), then two more.
    expect(server.requests.map((r) => r.step)).toEqual([
      '500',
      '500',
      'lost',
      '429',
      'ok',
      'ok',
      'ok',
    ]);
    expect(server.requests.map((r) => [r.seqs[0], r.seqs.at(-1)])).toEqual([
      [1, 100],
      [1, 100],
      [1, 100],
      [1, 100],
      [1, 100],
      [101, 200],
      [201, 250],
    ]);
    expect(server.requests[0]!.key).toBe(`${entries[0]!.hash}..${entries[99]!.hash}`);
    // Backoff: ~1 s doubling (jitter 0.5 → three quarters of each step), then Retry-After's 30 s.
    expect(sleeps).toEqual([750, 1500, 3000, 30_000]);
    expect(await store.syncState()).toEqual({
      schema: 1,
      syncedSeq: 250,
      lastAttempt: 1_750_000_000_000,
      lastError: null,
    });
    expect(states.filter((s) => s.phase === 'waiting').map((s) => s.error)).toEqual([
      'HTTP 500: temporarily broken',
      'HTTP 500: temporarily broken',
      expect.stringMatching(/^network error/),
      'HTTP 429: slow down',
    ]);
    expect(states.at(-1)).toEqual({ phase: 'done', synced: 250, pending: 0 });
    expect(states[0]).toEqual({ phase: 'sending', synced: 0, pending: 250 });

    // Nothing new: one more sync sends nothing.
    expect(await syncLog(o)).toEqual({ sent: 0, synced: 250 });
    expect(server.requests).toHaveLength(7);
  });

  it('entries appended while a sync runs are sent too', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 3);
    const server = await startServer();
    let added = false;
    const { o } = options(store, server, {
      batchSize: 2,
      onState: (s) => {
        if (s.phase === 'sending' && !added) {
          added = true;
          void fill(store, 4);
        }
      },
    });
    expect(await syncLog(o)).toEqual({ sent: 7, synced: 7 });
    expect(server.stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a 400: SyncRejectedError with status and body, cursor unchanged, entries kept; a later sync resumes', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 5);
    const server = await startServer(['ok', '400']);
    const { o, states } = options(store, server, { batchSize: 2 });

    const error = await syncLog(o).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncRejectedError);
    expect(error).toMatchObject({
      code: 'log-sync-rejected',
      status: 400,
      body: 'unknown field "x" in entry 1',
      firstSeq: 3,
    });
    expect((error as Error).message).toMatch(/Nothing was lost: entries from #3 on stay/);
    expect(await store.syncState()).toMatchObject({
      syncedSeq: 2,
      lastError: 'HTTP 400: unknown field "x" in entry 1',
    });
    expect((await store.all()).entries).toHaveLength(5);
    expect(states.at(-1)).toMatchObject({ phase: 'rejected', synced: 2, pending: 3 });

    expect(await syncLog(o)).toEqual({ sent: 3, synced: 5 });
    expect(server.stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a redirect is not followed: rejected (a POST redirected may be stored nowhere yet answer 2xx)', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 1);
    const server = await startServer(['redirect']);
    await expect(syncLog(options(store, server).o)).rejects.toMatchObject({ status: 302 });
    expect(await store.syncState()).toMatchObject({ syncedSeq: 0 });
  });

  it('413: the batch is halved until the server takes it', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 10);
    const server = await startServer(['413-if-large']);
    const { o, sleeps } = options(store, server, { batchSize: 8 });
    expect(await syncLog(o)).toEqual({ sent: 10, synced: 10 });
    expect(server.stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(server.requests.map((r) => r.seqs.length)).toEqual([8, 4, 2, 2, 2, 2, 2]);
    expect(sleeps).toEqual([]);
  });

  it('gives up after maxAttempts failures in a row, keeping everything for next time', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 2);
    const server = await startServer(['500', '500', '500']);
    const { o, sleeps } = options(store, server, { maxAttempts: 3 });
    const error = await syncLog(o).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncGaveUpError);
    expect(error).toMatchObject({ code: 'log-sync-unreachable', attempts: 3, firstSeq: 1 });
    expect(sleeps).toEqual([750, 1500]);
    expect(await store.syncState()).toMatchObject({
      syncedSeq: 0,
      lastError: 'HTTP 500: temporarily broken',
    });
    expect(await syncLog(o)).toEqual({ sent: 2, synced: 2 });
  });

  it('a server that never answers counts as a network error after the request timeout', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 1);
    const server = await startServer(['hang', 'hang']);
    const { o } = options(store, server, { maxAttempts: 2, requestTimeoutMs: 200 });
    await expect(syncLog(o)).rejects.toMatchObject({
      code: 'log-sync-unreachable',
      lastError: 'no answer within 200 ms',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('an abort stops it: during a request, and during a wait (the real sleep, no timer left)', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 3);
    const server = await startServer(['hang']);
    const during = new AbortController();
    const arrived = server.arrived();
    const syncing = syncLog({ ...options(store, server).o, signal: during.signal });
    await arrived;
    during.abort(new Error('user left the log screen'));
    await expect(syncing).rejects.toThrow('user left the log screen');
    expect(await store.syncState()).toMatchObject({ syncedSeq: 0 });

    server.script.push('500');
    const waiting = new AbortController();
    const { sleep: _recorded, ...real } = options(store, server).o;
    const stopped = syncLog({
      ...real,
      signal: waiting.signal,
      onState: (s) => {
        if (s.phase === 'waiting') waiting.abort(new Error('offline'));
      },
    });
    await expect(stopped).rejects.toThrow('offline');

    const before = new AbortController();
    before.abort(new Error('never started'));
    await expect(syncLog({ ...real, signal: before.signal })).rejects.toThrow('never started');
    expect(server.requests).toHaveLength(2);
    expect(server.stored).toEqual([]);
  });

  it('refuses a plain-http endpoint that is not loopback, sending nothing', async () => {
    const store = memoryUpdateLogStore();
    await fill(store, 1);
    let called = false;
    const spy: typeof fetch = (...args) => {
      called = true;
      return fetch(...args);
    };
    for (const endpoint of ['http://logs.example.com/log', 'ftp://127.0.0.1/log', 'nonsense']) {
      await expect(syncLog({ store, endpoint, fetch: spy })).rejects.toBeInstanceOf(
        SyncEndpointError,
      );
    }
    expect(called).toBe(false);
    expect(await store.syncState()).toMatchObject({ syncedSeq: 0, lastAttempt: null });
  });
});
