/**
 * `fieldflash feed add|sign|verify`: publishing a feed from signed images and
 * checking it as the app will, with the CLI's exit codes (0 ok, 1 the feed
 * said no, 2 usage or file error) and --json documents.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ff-feed-'));
const p = (name: string) => join(dir, name);
const SAMPLE = 'public/samples/demo-app-1.0.0.bin';
const OLD_SAMPLE = 'public/samples/demo-app-0.9.0.bin';
const FEED = p('feed.json');

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The one JSON document a --json run prints. */
function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

const ADD = ['--product', 'demo', '--board', 'nrf52840dk', '--now', '2025-06-01T00:00:00Z'];
const AT = (iso: string) => ['--now', iso];

describe('feed add → sign → verify', () => {
  beforeAll(async () => {
    for (const [type, name] of [
      ['ed25519', 'feed-key.pem'],
      ['ed25519', 'other-key.pem'],
      ['ecdsa-p256', 'ec-key.pem'],
    ] as const) {
      expect((await runCli('keygen', '--type', type, '-o', p(name))).code).toBe(0);
    }
    expect((await runCli('getpub', p('feed-key.pem'), '-o', p('feed-key.pub.pem'))).code).toBe(0);
    expect((await runCli('getpub', p('other-key.pem'), '-o', p('other.pub.pem'))).code).toBe(0);
    copyFileSync(SAMPLE, p('demo-1.0.0.bin'));
    copyFileSync(OLD_SAMPLE, p('demo-0.9.0.bin'));
    // The same image as Intel HEX: served as is, so its size and sha256 are the .hex file's.
    const hex = await runCli(
      'sign',
      '--key',
      'src/app/demo/demo-signing-key.pem',
      '--version',
      '1.2.0+5',
      '--header-size',
      '0x200',
      '--pad-header',
      '--slot-size',
      '0x40000',
      '--hex-addr',
      '0x10000',
      p('demo-1.0.0.bin'),
      p('demo-1.2.0.hex'),
    );
    expect(hex.code, hex.stderr).toBe(0);
  });

  it('creates the feed at sequence 1 with the fields computed from the image', async () => {
    const r = await runCli(
      'feed',
      'add',
      FEED,
      p('demo-0.9.0.bin'),
      ...ADD,
      '--file',
      'demo-0.9.0.bin',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ ok: true, created: true, sequence: 1 });
    const verify = await runCli('verify', '--json', p('demo-0.9.0.bin'));
    const verdict = json(verify.stdout) as { versionText: string; sha256: string };
    const feed = JSON.parse(readFileSync(FEED, 'utf8')) as Record<string, unknown>;
    expect(feed).toEqual({
      schema: 1,
      sequence: 1,
      issued: '2025-06-01T00:00:00Z',
      expires: '2025-07-01T00:00:00Z',
      releases: [
        {
          product: 'demo',
          match: { board: 'nrf52840dk' },
          version: verdict.versionText,
          file: 'demo-0.9.0.bin',
          size: readFileSync(p('demo-0.9.0.bin')).length,
          sha256: sha256(p('demo-0.9.0.bin')),
          imageHash: verdict.sha256,
          notes: '',
          channel: 'stable',
        },
      ],
    });
    expect(readFileSync(FEED, 'utf8')).toMatch(/^\{\n {2}"schema": 1,\n[\s\S]*\}\n$/);
  });

  it('adds a second release: sequence 2, re-dated; then a .hex one', async () => {
    const r = await runCli(
      'feed',
      'add',
      FEED,
      p('demo-1.0.0.bin'),
      '--product',
      'demo',
      '--board',
      'nrf52840dk',
      '--ble-name-prefix',
      'FF-Demo',
      '--notes',
      'Faster uploads.',
      '--min-version',
      '0.9.0',
      '--expires-in-days',
      '10',
      ...AT('2025-06-02T12:00:00Z'),
      '--file',
      'https://fw.example.com/demo-1.0.0.bin',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/added demo 1\.0\.0\+0 \(stable, board nrf52840dk, name FF-Demo\*\)/);
    expect(r.stdout).toMatch(/sequence 2, expires 2025-06-12T12:00:00Z/);
    const feed = JSON.parse(readFileSync(FEED, 'utf8')) as {
      sequence: number;
      releases: Record<string, unknown>[];
    };
    expect(feed.sequence).toBe(2);
    expect(feed.releases[1]).toMatchObject({
      version: '1.0.0+0',
      match: { board: 'nrf52840dk', bleNamePrefix: 'FF-Demo' },
      notes: 'Faster uploads.',
      minVersion: '0.9.0',
      sha256: sha256(SAMPLE),
    });

    const hex = await runCli(
      'feed',
      'add',
      FEED,
      p('demo-1.2.0.hex'),
      ...ADD,
      '--file',
      'demo-1.2.0.hex',
      '--channel',
      'beta',
      '--json',
    );
    expect(hex.code, hex.stderr).toBe(0);
    const added = json(hex.stdout) as { sequence: number; release: Record<string, unknown> };
    expect(added.sequence).toBe(3);
    expect(added.release).toMatchObject({
      version: '1.2.0+5',
      channel: 'beta',
      size: readFileSync(p('demo-1.2.0.hex')).length,
      sha256: sha256(p('demo-1.2.0.hex')),
    });
  });

  it('signs with Ed25519 and verifies (human and --json)', async () => {
    const s = await runCli('feed', 'sign', '--key', p('feed-key.pem'), FEED);
    expect(s.code, s.stderr).toBe(0);
    expect(readFileSync(`${FEED}.sig`, 'utf8')).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);

    const human = await runCli(
      'feed',
      'verify',
      '--key',
      p('feed-key.pub.pem'),
      ...AT('2025-06-03T00:00:00Z'),
      FEED,
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^valid: /);
    expect(human.stdout).toMatch(/signed by +feed-key \(key id [0-9a-f]{8}\)/);
    expect(human.stdout).toMatch(/sequence +3/);
    expect(human.stdout).toMatch(/expires +2025-07-01T00:00:00Z \(in 28 days\)/);
    expect(human.stdout).toMatch(/demo +1\.0\.0\+0 +stable +board nrf52840dk, name FF-Demo\*/);

    const r = await runCli(
      'feed',
      'verify',
      '--key',
      p('other.pub.pem'),
      '--key',
      p('feed-key.pub.pem'),
      '--sig',
      `${FEED}.sig`,
      ...AT('2025-06-03T00:00:00Z'),
      '--json',
      FEED,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout) as {
      releases: unknown[];
      signer: { name: string; fingerprint: string };
    };
    expect(doc).toMatchObject({
      ok: true,
      sequence: 3,
      expires: '2025-07-01T00:00:00Z',
      expired: false,
    });
    expect(doc.signer.name).toBe('feed-key');
    expect(doc.signer.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.releases).toHaveLength(3);
  });

  it('refuses a tampered feed: exit 1, feed-bad-signature', async () => {
    const text = readFileSync(FEED, 'utf8').replace('"size": ', '"size": 1');
    writeFileSync(p('tampered.json'), text);
    copyFileSync(`${FEED}.sig`, p('tampered.json.sig'));
    const r = await runCli(
      'feed',
      'verify',
      '--key',
      p('feed-key.pub.pem'),
      ...AT('2025-06-03T00:00:00Z'),
      '--json',
      p('tampered.json'),
    );
    expect(r.code).toBe(1);
    expect(json(r.stdout)).toMatchObject({ ok: false, code: 'feed-bad-signature' });
    const human = await runCli(
      'feed',
      'verify',
      '--key',
      p('feed-key.pub.pem'),
      p('tampered.json'),
    );
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^REFUSED: .*\n .*altered after signing/);
    // Signed by a key that is not trusted: the same verdict.
    const other = await runCli('feed', 'verify', '--key', p('other.pub.pem'), '--json', FEED);
    expect(json(other.stdout)).toMatchObject({ ok: false, code: 'feed-bad-signature' });
  });

  it('refuses a feed older than --min-sequence: exit 1, feed-rollback', async () => {
    const args = [
      'feed',
      'verify',
      '--key',
      p('feed-key.pub.pem'),
      ...AT('2025-06-03T00:00:00Z'),
      '--json',
    ];
    const r = await runCli(...args, '--min-sequence', '4', FEED);
    expect(r.code).toBe(1);
    expect(json(r.stdout)).toMatchObject({ ok: false, code: 'feed-rollback', seen: 4, got: 3 });
    expect((await runCli(...args, '--min-sequence', '3', FEED)).code).toBe(0);
  });

  it('refuses an expired feed (exit 1), accepts it with --allow-expired and says so', async () => {
    const args = ['feed', 'verify', '--key', p('feed-key.pub.pem'), ...AT('2025-07-04T00:00:00Z')];
    const r = await runCli(...args, '--json', FEED);
    expect(r.code).toBe(1);
    expect(json(r.stdout)).toMatchObject({
      ok: false,
      code: 'feed-expired',
      expires: '2025-07-01T00:00:00Z',
    });

    const allowed = await runCli(...args, '--allow-expired', FEED);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/EXPIRED 3 days ago \(accepted with --allow-expired\)/);
    expect(allowed.stderr).toMatch(/warning: .* expired on 2025-07-01T00:00:00Z/);
    const allowedJson = await runCli(...args, '--allow-expired', '--json', FEED);
    expect(json(allowedJson.stdout)).toMatchObject({ ok: true, expired: true });
  });

  it('refuses a non-Ed25519 signing key, missing files and bad flags with exit 2', async () => {
    const ec = await runCli('feed', 'sign', '--key', p('ec-key.pem'), FEED);
    expect(ec.code).toBe(2);
    expect(ec.stderr).toMatch(/feeds are signed with Ed25519.*keygen --type ed25519/);

    const missing = await runCli('feed', 'verify', '--key', p('feed-key.pub.pem'), p('nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot read: no such file/);
    const noSig = await runCli(
      'feed',
      'verify',
      '--key',
      p('feed-key.pub.pem'),
      '--sig',
      p('nope.sig'),
      FEED,
    );
    expect(noSig.code).toBe(2);
    const noImage = await runCli('feed', 'add', p('x.json'), p('nope.bin'), ...ADD, '--file', 'x');
    expect(noImage.code).toBe(2);
    expect(existsSync(p('x.json'))).toBe(false);

    for (const argv of [
      ['feed'],
      ['feed', 'publish'],
      ['feed', 'verify', FEED],
      ['feed', 'sign', FEED],
      ['feed', 'add', p('x.json'), SAMPLE, '--product', 'demo', '--file', 'x'],
      ['feed', 'add', p('x.json'), SAMPLE, ...ADD],
      ['feed', 'add', p('x.json'), SAMPLE, ...ADD, '--file', 'http://plain/x.bin'],
      ['feed', 'add', p('x.json'), SAMPLE, ...ADD, '--file', 'x', '--min-version', 'v2'],
      ['feed', 'add', p('x.json'), SAMPLE, ...ADD, '--file', 'x', '--expires-in-days', '0'],
      ['feed', 'verify', '--key', p('feed-key.pub.pem'), '--now', 'tomorrow', FEED],
    ]) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(p('x.json'))).toBe(false);
  });

  it('refuses to add a damaged image (exit 1) and to extend a damaged feed (exit 1)', async () => {
    const image = readFileSync(SAMPLE);
    image[600] = (image[600] ?? 0) ^ 1;
    writeFileSync(p('damaged.bin'), image);
    const r = await runCli(
      'feed',
      'add',
      p('y.json'),
      p('damaged.bin'),
      ...ADD,
      '--file',
      'x',
      '--json',
    );
    expect(r.code).toBe(1);
    expect(json(r.stdout)).toMatchObject({ ok: false, code: 'bad-hash' });
    expect(existsSync(p('y.json'))).toBe(false);

    writeFileSync(p('broken.json'), '{"schema": 1, "sequence": "two"}');
    const broken = await runCli(
      'feed',
      'add',
      p('broken.json'),
      SAMPLE,
      ...ADD,
      '--file',
      'x',
      '--json',
    );
    expect(broken.code).toBe(1);
    expect(json(broken.stdout)).toMatchObject({
      ok: false,
      code: 'feed-malformed',
      path: 'sequence',
    });
    const sign = await runCli('feed', 'sign', '--key', p('feed-key.pem'), p('broken.json'));
    expect(sign.code).toBe(1);
    expect(existsSync(p('broken.json.sig'))).toBe(false);
  });

  it('is listed in the usage and has --help', async () => {
    expect((await runCli('--help')).stdout).toMatch(/\n {2}feed +make, sign and check/);
    const help = await runCli('feed', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/fieldflash feed add FEED\.json IMAGE/);
  });
});
