/**
 * Serial and BLE framing: worked examples from the protocol digest, round
 * trips, split-at-every-boundary, and fuzzing (a counted drop, never a throw).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BleReassembler,
  checkAnswer,
  crc16,
  decodeFrame,
  decodeHeader,
  encodeFrame,
  encodeSerialFrame,
  Fields,
  image,
  os,
  SERIAL_MAX_LINE,
  SerialDeframer,
  serialLines,
  SmpCborError,
  SmpDeviceError,
  SmpFrameError,
  SmpShapeError,
  splitIntoWrites,
  ZEPHYR_CONTINUATION_CHARS,
} from '../../../src/core/smp/index.ts';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

function frameOf(seq: number, text: string): Uint8Array {
  return encodeFrame({ op: 2, version: 1, flags: 0, group: 0, seq, command: 0 }, { d: text });
}

describe('serial console framing', () => {
  it('matches the worked examples of research/protocols.md §4', () => {
    expect(crc16(ascii('123456789'))).toBe(0x31c3);
    const v1Echo = encodeFrame(
      { op: 2, version: 0, flags: 0, group: 0, seq: 0x2a, command: 0 },
      { d: 'hi' },
    );
    expect(Buffer.from(encodeSerialFrame(v1Echo)).toString('latin1')).toBe(
      '\x06\x09ABACAAAGAAAqAKFhZGJoaeMD\n',
    );
    // A real device's {rc: 3} answer, as captured (indefinite-length map).
    const [frame] = new SerialDeframer().push(ascii('\x06\x09ABADAAAGAAGjAb9icmMD/yT8\n'));
    expect(hexOf(frame ?? new Uint8Array())).toBe('030000060001a301' + 'bf62726303ff');
  });

  it('round-trips any frame in lines of at most 127 bytes, in smpclient and Zephyr line lengths', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3000 }),
        fc.nat(255),
        fc.constantFrom(124, ZEPHYR_CONTINUATION_CHARS),
        (text, seq, cont) => {
          const frame = frameOf(seq, text);
          const lines = serialLines(frame, { continuationChars: cont });
          for (const line of lines) expect(line.length).toBeLessThanOrEqual(SERIAL_MAX_LINE);
          const d = new SerialDeframer();
          expect(d.push(encodeSerialFrame(frame, { continuationChars: cont })).map(hexOf)).toEqual([
            hexOf(frame),
          ]);
        },
      ),
      { numRuns: 200 },
    );
  });

  /** Three frames (one of several lines) with console text around them. */
  const stream = ascii(
    'boot banner\r\n' +
      Buffer.from(encodeSerialFrame(frameOf(1, 'a'))).toString('latin1') +
      '[00:00:01] <inf> app: log line\r\n' +
      Buffer.from(
        encodeSerialFrame(frameOf(2, 'x'.repeat(200)), { continuationChars: 120 }),
      ).toString('latin1') +
      Buffer.from(encodeSerialFrame(frameOf(3, 'b'))).toString('latin1'),
  );
  const expected = [frameOf(1, 'a'), frameOf(2, 'x'.repeat(200)), frameOf(3, 'b')].map(hexOf);

  it('deframes the same frames however the stream is split (every split point)', () => {
    for (let i = 0; i <= stream.length; i++) {
      const d = new SerialDeframer();
      const got = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i))];
      expect(got.map(hexOf), `split at ${i}`).toEqual(expected);
      expect(d.consoleLines).toBe(2);
    }
  });

  it('deframes the same frames for random chunkings, byte by byte included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 200 }), (sizes) => {
        const d = new SerialDeframer();
        const got: Uint8Array[] = [];
        let at = 0;
        for (const n of [...sizes, stream.length]) {
          got.push(...d.push(stream.slice(at, at + n)));
          at += n;
          if (at >= stream.length) break;
        }
        expect(got.map(hexOf)).toEqual(expected);
      }),
    );
  });

  it('counts each kind of drop and recovers on the next start line', () => {
    const good = encodeSerialFrame(frameOf(9, 'ok'));
    const cases: [string, string, keyof SerialDeframer['drops']][] = [
      ['bad CRC', '\x06\x09ABACAAAGAAAqAKFhZGJoaeME\n', 'badCrc'],
      ['bad base64', '\x06\x09ABACAAA*AAAqAKFhZGJoaeMD\n', 'badBase64'],
      ['orphan continuation', '\x04\x14AAAA\n', 'orphanContinuation'],
      ['length shorter than the data', '\x06\x09AAUCAAAGAAAqAKFhZGJoaeMD\n', 'badLength'],
      ['impossible length', '\x06\x09AAE=\n', 'badLength'],
      ['line over the limit', '\x06\x09' + 'A'.repeat(5000) + '\n', 'lineTooLong'],
    ];
    for (const [name, bad, counter] of cases) {
      const d = new SerialDeframer();
      expect(d.push(ascii(bad)), name).toEqual([]);
      expect(d.drops[counter], name).toBe(1);
      expect(d.push(good).map(hexOf), `${name}: next frame`).toEqual([hexOf(frameOf(9, 'ok'))]);
    }
    // A start line while a frame is unfinished abandons it and starts over.
    const d = new SerialDeframer();
    const long = serialLines(frameOf(4, 'y'.repeat(300)));
    d.push(long[0] ?? new Uint8Array());
    expect(d.push(good)).toHaveLength(1);
    expect(d.drops.interrupted).toBe(1);
  });

  it('never throws on arbitrary bytes, and stays usable', () => {
    const good = encodeSerialFrame(frameOf(7, 'still here'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (junk, markers) => {
        const d = new SerialDeframer();
        const bytes = markers
          ? Uint8Array.from(junk, (b, i) => (i % 37 === 0 ? 0x06 : i % 37 === 1 ? 0x09 : b))
          : junk;
        d.push(bytes);
        d.push(ascii('\n'));
        expect(d.push(good).map(hexOf)).toEqual([hexOf(frameOf(7, 'still here'))]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('BLE framing', () => {
  const frames = [frameOf(1, 'one'), frameOf(2, 'z'.repeat(700)), frameOf(3, '')];
  const joined = Uint8Array.from(frames.flatMap((f) => [...f]));

  it('reassembles frames from notifications split at every boundary', () => {
    for (let i = 0; i <= joined.length; i++) {
      const r = new BleReassembler();
      const got = [...r.push(joined.subarray(0, i), 0), ...r.push(joined.subarray(i), 0)];
      expect(got.map(hexOf), `split at ${i}`).toEqual(frames.map(hexOf));
    }
  });

  it('splits frames into writes no larger than the write size', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000 }),
        fc.integer({ min: 8, max: 512 }),
        (text, size) => {
          const frame = frameOf(5, text);
          const writes = splitIntoWrites(frame, size);
          expect(writes.every((w) => w.length <= size && w.length > 0)).toBe(true);
          expect(hexOf(Uint8Array.from(writes.flatMap((w) => [...w])))).toBe(hexOf(frame));
        },
      ),
    );
    expect(() => splitIntoWrites(frames[0] ?? new Uint8Array(), 7)).toThrow(RangeError);
  });

  it('drops a partial frame left by a lost notification once it is stale', () => {
    const r = new BleReassembler({ staleMs: 100 });
    const big = frames[1] ?? new Uint8Array();
    expect(r.push(big.subarray(0, 50), 0)).toEqual([]);
    expect(r.partial).toBe(true);
    expect(r.push(frames[0] ?? new Uint8Array(), 500).map(hexOf)).toEqual([
      hexOf(frames[0] ?? new Uint8Array()),
    ]);
    expect(r.drops.stale).toBe(1);
  });
});

describe('decoders on hostile input', () => {
  it('decodeHeader/decodeFrame throw only typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeHeader(bytes);
          decodeFrame(bytes);
        } catch (e) {
          expect(e instanceof SmpFrameError || e instanceof SmpCborError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeFrame of a valid header with random CBOR throws only typed errors, also for deep nesting', () => {
    const withBody = (body: Uint8Array) =>
      Uint8Array.from([2, 0, body.length >> 8, body.length & 0xff, 0, 0, 1, 0, ...body]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => {
        try {
          decodeFrame(withBody(body));
        } catch (e) {
          expect(e instanceof SmpCborError || e instanceof SmpFrameError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    expect(() => decodeFrame(withBody(new Uint8Array(60000).fill(0x81)))).toThrow(SmpCborError);
  });

  it('answers of the wrong shape give SmpShapeError (or a device error), never a crash or undefined', () => {
    const cbor = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.string({ maxLength: 8 }),
        fc.boolean(),
        fc.constant(null),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(
          fc.constantFrom(
            'rc',
            'err',
            'off',
            'images',
            'slot',
            'version',
            'hash',
            'r',
            'group',
            'buf_size',
            'buf_count',
            'match',
          ),
          tie('value'),
          { maxKeys: 5 },
        ),
      ),
    })).value;
    const parsers = [
      os.echo('x'),
      os.mcumgrParams(),
      image.imageState(),
      image.uploadNext(0, new Uint8Array()),
      image.slotInfo(),
      os.bootloaderMode(),
    ];
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(
            'rc',
            'err',
            'off',
            'images',
            'r',
            'buf_size',
            'buf_count',
            'mode',
            'match',
            'rsn',
          ),
          cbor,
          { maxKeys: 6 },
        ),
        (body) => {
          for (const req of parsers) {
            try {
              req.parse(new Fields(checkAnswer(body as never, req), req.name));
            } catch (e) {
              expect(e instanceof SmpShapeError || e instanceof SmpDeviceError).toBe(true);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
