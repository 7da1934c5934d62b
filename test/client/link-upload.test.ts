/**
 * Link negotiation (params, Bluetooth write-size probing) and the sequential
 * upload, against a scripted device.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { negotiateLink } from '../../src/client/link.ts';
import { SmpClient } from '../../src/client/smp-client.ts';
import { uploadSequential, UploadStalledError } from '../../src/client/upload-sequential.ts';
import { encodeFrame, frameSizeWithData, image, maxDataLength } from '../../src/core/smp/index.ts';
import { createMemoryPair } from '../../src/transport/memory.ts';
import { fakeBleLink } from '../helpers/fake-ble-link.ts';
import { fakeDevice } from '../helpers/fake-device.ts';
import { respond } from '../helpers/responder.ts';

describe('maxDataLength', () => {
  it('gives the largest data whose request frame fits exactly, for any budget and offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 70000 }), fc.nat(0xffffffff), (maxFrame, off) => {
        const build = (data: Uint8Array) => image.uploadNext(off, data);
        const n = maxDataLength(maxFrame, build);
        const size = (k: number) => {
          const req = build(new Uint8Array(k));
          return encodeFrame(
            { op: 2, version: 1, flags: 0, group: 1, seq: 0, command: 1 },
            req.body,
          ).length;
        };
        const limit = Math.min(maxFrame, 8 + 0xffff);
        if (n > 0) expect(size(n)).toBeLessThanOrEqual(limit);
        expect(frameSizeWithData(build, n + 1)).toBeGreaterThan(limit);
        expect(frameSizeWithData(build, n)).toBe(size(n));
      }),
      { numRuns: 300 },
    );
  });
});

describe('negotiateLink', () => {
  it('reads buf_size/buf_count; serial-style frames leave room for the framing', async () => {
    const { host, device } = createMemoryPair();
    respond(device, fakeDevice({ bufSize: 1024, bufCount: 4 }).handler);
    const info = await negotiateLink(new SmpClient(host));
    expect(info).toMatchObject({
      params: { bufSize: 1024, bufCount: 4 },
      maxFrame: 1024,
      window: 3,
    });
  });

  it('falls back to defaults when mcumgr params is not supported (rc 8)', async () => {
    const { host, device } = createMemoryPair();
    respond(device, fakeDevice({ bufSize: null }).handler);
    expect(await negotiateLink(new SmpClient(host))).toMatchObject({
      params: null,
      maxFrame: 384,
      window: 1,
    });
  });

  it('over Bluetooth finds the largest write that arrives whole (MTU 247 → 244), never a guess', async () => {
    const { host, device } = fakeBleLink({ mtuPayload: 244, reassembly: true });
    respond(device, fakeDevice({ bufSize: 2475 }).handler);
    const info = await negotiateLink(new SmpClient(host), { probeTimeoutMs: 100 });
    expect(info).toMatchObject({ writeSize: 244, maxFrame: 2475, reassembly: true });
  });

  it('over Bluetooth finds out when the device cannot reassemble, and keeps frames within one write', async () => {
    for (const bufSize of [2475, null]) {
      const { host, device } = fakeBleLink({ mtuPayload: 182, reassembly: false });
      respond(device, fakeDevice({ bufSize }).handler);
      const info = await negotiateLink(new SmpClient(host), { probeTimeoutMs: 100 });
      expect(info).toMatchObject({ writeSize: 182, maxFrame: 182, reassembly: false });
    }
  });
});

describe('uploadSequential', () => {
  const imageBytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
  imageBytes.set([0x3d, 0xb8, 0xf3, 0x96]);

  it('uploads with frames within the budget, starting each chunk where the device says', async () => {
    const { host, device } = createMemoryPair();
    const fake = fakeDevice({ bufSize: 384, dropFramesOver: 384 });
    respond(device, fake.handler);
    const progress: number[] = [];
    const result = await uploadSequential(new SmpClient(host), imageBytes, {
      maxFrame: 384,
      onProgress: (p) => progress.push(p.sent),
    });
    expect(result.match).toBe(true);
    expect(Buffer.compare(fake.state.uploaded, imageBytes)).toBe(0);
    expect(
      fake.state.requests
        .filter((r) => r.header.command === 1)
        .every((r) => 8 + r.header.length <= 384),
    ).toBe(true);
    expect(progress.at(-1)).toBe(imageBytes.length);
    const first = fake.state.requests.find((r) => r.header.command === 1)?.body;
    expect(first).toMatchObject({ off: 0, len: imageBytes.length });
    expect(Buffer.from(first?.['sha'] as Uint8Array).toString('hex')).toBe(
      Buffer.from(sha256(imageBytes)).toString('hex'),
    );
  });

  it('keeps the first chunk small, and halves the frames after a loss (a device that drops long bursts)', async () => {
    const { host, device } = createMemoryPair();
    const fake = fakeDevice({ bufSize: 1024, dropFramesOver: 190 });
    respond(device, fake.handler);
    await uploadSequential(new SmpClient(host), imageBytes, { maxFrame: 1024, chunkTimeoutMs: 50 });
    expect(Buffer.compare(fake.state.uploaded, imageBytes)).toBe(0);
    const sizes = fake.state.requests
      .filter((r) => r.header.command === 1)
      .map((r) => 8 + r.header.length);
    expect(sizes[0]).toBeLessThanOrEqual(182); // first chunk answered at once
    expect(sizes.filter((n) => n > 190).length).toBe(3); // 1024, 512, 256 lost, then 128 from there on
  });

  it('gives up with a clear stall error when the device never answers a chunk', async () => {
    const { host, device } = createMemoryPair();
    const fake = fakeDevice({ bufSize: 384 });
    respond(device, (req) =>
      req.header.command === 1 && req.body['off'] !== 0 ? [] : fake.handler(req),
    );
    const err = await uploadSequential(new SmpClient(host), imageBytes, {
      maxFrame: 384,
      chunkTimeoutMs: 20,
      retries: 2,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadStalledError);
    expect((err as Error).message).toMatch(
      /did not answer 3 attempts at this offset \(0\.0 s each\)/,
    );
  });

  it('follows the device when it pulls the offset back (lost state after a reset)', async () => {
    const { host, device } = createMemoryPair();
    const fake = fakeDevice({ bufSize: 384 });
    let chunks = 0;
    respond(device, (req) => {
      if (req.header.command === 1 && ++chunks === 4) {
        // The device rebooted mid-upload: its upload state lived in RAM.
        Object.assign(fake.state, { off: 0, len: 0, sha: null });
      }
      return fake.handler(req);
    });
    await uploadSequential(new SmpClient(host), imageBytes, { maxFrame: 384 });
    expect(Buffer.compare(fake.state.uploaded, imageBytes)).toBe(0);
  });
});
