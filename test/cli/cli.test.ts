/**
 * The CLI contract (DESIGN.md "CLI"): commands, --json documents, exit codes
 * 0/1/2, one clear line on stderr for bad input and never a stack trace, and
 * no partial output file from a failed sign. Most runs are in-process; a few
 * spawn the real binary.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { hasMcubootVectors, MCUBOOT_DIR } from '../helpers/shared.ts';

const dir = mkdtempSync(join(tmpdir(), 'ff-cli-'));
const p = (name: string) => join(dir, name);
const payload = p('app.bin');
writeFileSync(
  payload,
  Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff),
);

const SIGN = [
  '--version',
  '1.4.2+7',
  '--header-size',
  '0x200',
  '--pad-header',
  '--slot-size',
  '0x20000',
];

describe('keygen, getpub, sign, verify, inspect', () => {
  beforeAll(async () => {
    for (const t of ['ed25519', 'ecdsa-p256', 'rsa-2048', 'rsa-3072']) {
      const r = await runCli('keygen', '--type', t, '-o', p(`${t}.pem`));
      expect(r.code).toBe(0);
    }
  });

  it('keygen writes a private key readable only by its owner, and never overwrites', async () => {
    expect(statSync(p('ed25519.pem')).mode & 0o777).toBe(0o600);
    const before = readFileSync(p('ed25519.pem'), 'utf8');
    const again = await runCli('keygen', '--type', 'ed25519', '-o', p('ed25519.pem'));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(readFileSync(p('ed25519.pem'), 'utf8')).toBe(before);
    expect((await runCli('keygen', '--type', 'ecdsa-p384', '-o', p('x.pem'))).code).toBe(2);
  });

  it.each(['ed25519', 'ecdsa-p256', 'rsa-2048', 'rsa-3072'])(
    '%s: getpub → sign → verify, human and --json',
    async (t) => {
      const pub = await runCli('getpub', p(`${t}.pem`), '-o', p(`${t}.pub.pem`));
      expect(pub.code).toBe(0);
      expect(readFileSync(p(`${t}.pub.pem`), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      const signed = await runCli(
        'sign',
        '--key',
        p(`${t}.pem`),
        ...SIGN,
        '--security-counter',
        'auto',
        payload,
        p(`${t}.signed.bin`),
      );
      expect(signed.code, signed.stderr).toBe(0);
      expect(signed.stdout).toMatch(/version 1\.4\.2\+7, signed by/);

      const human = await runCli('verify', '--key', p(`${t}.pub.pem`), p(`${t}.signed.bin`));
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^valid: /);
      const json = await runCli(
        'verify',
        '--json',
        '--key',
        p(`${t}.pub.pem`),
        p(`${t}.signed.bin`),
      );
      const verdict = JSON.parse(json.stdout) as {
        ok: boolean;
        versionText: string;
        securityCounter: number;
      };
      expect(verdict).toMatchObject({
        ok: true,
        versionText: '1.4.2+7',
        securityCounter: (1 << 24) + (4 << 16) + 2,
      });
    },
  );

  it('verify: several --key, a wrong key (exit 1 with the verdict), hash-only without keys', async () => {
    const img = p('ed25519.signed.bin');
    const both = await runCli(
      'verify',
      '-k',
      p('rsa-2048.pub.pem'),
      '-k',
      p('ed25519.pub.pem'),
      img,
    );
    expect(both.code).toBe(0);
    const wrong = await runCli('verify', '--json', '--key', p('ecdsa-p256.pub.pem'), img);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ ok: false, reason: 'wrong-key' });
    expect(wrong.stderr).toBe('');
    const human = await runCli('verify', '--key', p('ecdsa-p256.pub.pem'), img);
    expect(human.stdout).toMatch(/^INVALID: .*\n.*not trust/);
    const hashOnly = await runCli('verify', img);
    expect(hashOnly.code).toBe(0);
    expect(hashOnly.stdout).toMatch(/NOT checked/);
  });

  it('verify: a tampered image exits 1 with its reason', async () => {
    const bytes = readFileSync(p('ed25519.signed.bin'));
    bytes[0x300] = (bytes[0x300] ?? 0) ^ 1;
    writeFileSync(p('tampered.bin'), bytes);
    const r = await runCli('verify', '--json', '--key', p('ed25519.pub.pem'), p('tampered.bin'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, reason: 'bad-hash' });
  });

  it('inspect: header and TLVs, JSON with values; exit 1 on a broken image', async () => {
    const r = await runCli('inspect', p('ecdsa-p256.signed.bin'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/SEC_CNT/);
    expect(r.stdout).toMatch(/ECDSA_SIG/);
    const j = JSON.parse(
      (await runCli('inspect', '--json', p('ecdsa-p256.signed.bin'))).stdout,
    ) as {
      tlvs: { name: string; value: string }[];
      header: { versionText: string };
    };
    expect(j.header.versionText).toBe('1.4.2+7');
    expect(j.tlvs.map((t) => t.name)).toEqual(['SEC_CNT', 'SHA256', 'KEYHASH', 'ECDSA_SIG']);
    const broken = await runCli('inspect', p('app.bin'));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/not an MCUboot image/);
  });

  it('sign: Intel HEX output and input, padded and confirmed', async () => {
    const r = await runCli(
      'sign',
      '--key',
      p('ed25519.pem'),
      ...SIGN,
      '--confirm',
      '-x',
      '0x10000',
      payload,
      p('out.hex'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(p('out.hex'), 'utf8')).toMatch(/^:020000040001F9\n/);
    const v = JSON.parse(
      (await runCli('verify', '--json', '-k', p('ed25519.pub.pem'), p('out.hex'))).stdout,
    ) as { trailer: unknown };
    expect(v.trailer).toEqual({ slotSize: 0x20000, magic: true, imageOk: 'set' });
    // A HEX input keeps its address: the header goes below it (imgtool Image.load).
    writeFileSync(p('in.hex'), ':0410000001020304E2\n:00000001FF\n'); // 4 bytes at 0x1000
    expect((await runCli('sign', ...SIGN, p('in.hex'), p('in.signed.hex'))).code).toBe(0);
    expect(readFileSync(p('in.signed.hex'), 'utf8').split('\n')[0]).toMatch(/^:100E0000/);
    const low = await runCli('sign', ...SIGN, '--header-size', '0x2000', p('in.hex'), p('in2.hex'));
    expect(low.code).toBe(2);
    expect(low.stderr).toMatch(/starts at 0x1000, below the 8192-byte header/);
    // ...which only matters for HEX output without --hex-addr (imgtool agrees).
    expect(
      (await runCli('sign', ...SIGN, '--header-size', '0x2000', p('in.hex'), p('in2.bin'))).code,
    ).toBe(0);
    expect(
      (
        await runCli(
          'sign',
          ...SIGN,
          '--header-size',
          '0x2000',
          '-x',
          '0',
          p('in.hex'),
          p('in3.hex'),
        )
      ).code,
    ).toBe(0);
    // imgtool leaves a HEX input based at 0 where it is.
    writeFileSync(p('zero.hex'), ':0400000001020304F2\n:00000001FF\n');
    expect((await runCli('sign', ...SIGN, p('zero.hex'), p('zero.signed.hex'))).code).toBe(0);
    expect(readFileSync(p('zero.signed.hex'), 'utf8').split('\n')[0]).toMatch(/^:10000000/);
  });
});

/** `sign` into a 4 KiB slot, which the 5000-byte payload does not fit. */
const smallSlot = (version: string, out: string) => [
  'sign',
  ...['--version', version, '--header-size', '32', '--pad-header', '--slot-size', '0x1000'],
  ...[payload, p(out)],
];

describe('bad input: one clear line, the right exit code, nothing left behind', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['no command', [], 2, /usage/],
    ['an unknown command', ['frobnicate'], 2, /unknown command "frobnicate"/],
    ['an unknown option', ['verify', '--nope', 'x.bin'], 2, /Unknown option '--nope'/],
    [
      'a missing image file',
      ['verify', p('missing.bin')],
      2,
      /missing\.bin: cannot read: no such file/,
    ],
    ['a directory as image', ['verify', dir], 2, /is a directory/],
    [
      'a missing key file',
      ['verify', '--key', p('nokey.pem'), payload],
      2,
      /nokey\.pem: cannot read: no such file/,
    ],
    [
      'a key file that is not a key',
      ['verify', '--key', payload, payload],
      2,
      /app\.bin: .*not a PEM or DER key/,
    ],
    [
      'a public key for signing',
      ['sign', '--key', p('ed25519.pub.pem'), ...SIGN, payload, p('o1.bin')],
      2,
      /public key; signing needs the private key/,
    ],
    ['a bad version', smallSlot('1.2.x', 'o2.bin'), 2, /not a valid image version/],
    [
      'a bad integer',
      ['sign', '--version', '1', '--header-size', '0x2g', '--slot-size', '1', payload, p('o3.bin')],
      2,
      /not a valid integer/,
    ],
    [
      'a missing required flag',
      ['sign', '--version', '1', payload, p('o4.bin')],
      2,
      /--header-size is required/,
    ],
    [
      'an image too big for the slot',
      smallSlot('1', 'o5.bin'),
      2,
      /does not fit in the 0x1000-byte slot/,
    ],
    [
      'input without header room',
      [
        'sign',
        '--version',
        '1',
        '--header-size',
        '32',
        '--slot-size',
        '0x10000',
        payload,
        p('o6.bin'),
      ],
      2,
      /--pad-header/,
    ],
    [
      'an imgtool option we do not support',
      ['sign', '--encrypt', 'k.pem', ...SIGN, payload, p('o7.bin')],
      2,
      /--encrypt is not supported/,
    ],
    [
      'HEX output without an address',
      ['sign', ...SIGN, payload, p('o8.hex')],
      2,
      /needs --hex-addr/,
    ],
    ['a broken HEX file', ['verify', p('bad.hex')], 2, /bad\.hex: not a valid Intel HEX file/],
    [
      'a device instead of a file',
      ['verify', '/dev/zero'],
      2,
      /\/dev\/zero: cannot read: not a regular file/,
    ],
    [
      'a file too large to be an image',
      ['verify', p('huge.bin')],
      2,
      /huge\.bin: is 67108865 bytes; fieldflash reads files of at most 67108864/,
    ],
    [
      'a load address beyond 32 bits',
      [...smallSlot('1', 'o9.bin'), '--load-addr', '0x100000000'],
      2,
      /--load-addr: the address 4294967296 does not fit/,
    ],
    [
      'a slot beyond 32 bits',
      [
        'sign',
        '--version',
        '1',
        '--header-size',
        '32',
        '--pad-header',
        '--slot-size',
        '0x200000000',
        payload,
        p('o10.bin'),
      ],
      2,
      /does not fit MCUboot's 32-bit sizes/,
    ],
    [
      'a padded slot too large to build',
      [
        'sign',
        '--version',
        '1',
        '--header-size',
        '32',
        '--pad-header',
        '--slot-size',
        '0x80000000',
        '--pad',
        payload,
        p('o11.bin'),
      ],
      2,
      /pad at most/,
    ],
    [
      'HEX output beyond 32-bit addresses',
      ['sign', ...SIGN, '-x', '0xffffff00', payload, p('o12.hex')],
      2,
      /beyond the 32-bit addresses/,
    ],
  ];
  beforeAll(() => {
    writeFileSync(p('bad.hex'), ':10000000ZZ\n');
    writeFileSync(p('huge.bin'), '');
    truncateSync(p('huge.bin'), 64 * 1024 * 1024 + 1); // sparse: takes no disk
  });

  it.each(cases)('%s', async (_name, argv, code, message) => {
    const r = await runCli(...argv);
    expect(r.code).toBe(code);
    expect(r.stderr + r.stdout).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--json reports the error as a document too', async () => {
    const r = await runCli('verify', '--json', p('missing.bin'));
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'file' } });
  });

  it('a failed sign leaves no output or temporary file', () => {
    const leftovers = readdirSync(dir).filter((f) => /^o\d\.|\.tmp$/.test(f));
    expect(leftovers).toEqual([]);
  });

  it('--debug adds the stack trace', async () => {
    const r = await runCli('verify', '--debug', p('missing.bin'));
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('the installed binary', () => {
  const run = promisify(execFile);
  const bin = new URL('../../bin/fieldflash.mjs', import.meta.url).pathname;
  const exec = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args]);
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  it('is built (npm ci runs `prepare`) and runs', () => {
    expect(existsSync(new URL('../../dist/cli/fieldflash.mjs', import.meta.url))).toBe(true);
  });

  it.skipIf(!hasMcubootVectors)(
    'verifies an imgtool vector with exit 0, and a tampered one with exit 1',
    async () => {
      const ok = await exec(
        'verify',
        '--key',
        join(MCUBOOT_DIR, 'keys/root-ec-p256.pub.pem'),
        join(MCUBOOT_DIR, 'valid/ecdsa-p256-pad-confirm.bin'),
      );
      expect(ok.code).toBe(0);
      const bad = await exec(
        'verify',
        '--json',
        '--key',
        join(MCUBOOT_DIR, 'keys/root-ec-p256.pub.pem'),
        join(MCUBOOT_DIR, 'invalid/body-byte-flip.bin'),
      );
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, reason: 'bad-hash' });
    },
  );

  it('prints one line and exits 2 for a missing file, without a stack trace', async () => {
    const r = await exec('verify', '/nonexistent/image.bin');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'fieldflash verify: /nonexistent/image.bin: cannot read: no such file',
    ]);
  });
});
