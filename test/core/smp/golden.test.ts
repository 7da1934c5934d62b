/**
 * Conformance against SMP frames captured between an independent client
 * (JPHutchins/smp + smpclient) and real Zephyr 4.4.0 servers
 * (../shared/vectors/smp/golden.json, read in place).
 */
import { describe, expect, it } from 'vitest';
import {
  BleReassembler,
  checkAnswer,
  decodeFrame,
  decodeHeader,
  encodeFrame,
  encodeHeader,
  Fields,
  image,
  os,
  SerialDeframer,
  serialLines,
  SmpDeviceError,
  splitIntoWrites,
  type SmpRequest,
} from '../../../src/core/smp/index.ts';
import {
  asGoldenJson,
  fromHex,
  hasSmpVectors,
  latin1,
  loadGolden,
  type GoldenEntry,
} from '../../helpers/smp-golden.ts';

const golden = loadGolden();
const ordinary = golden.entries.filter((e) => e.malformed === undefined);
const requests = ordinary.filter((e) => e.direction === 'request');
const responses = ordinary.filter((e) => e.direction === 'response');
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const totalDrops = (d: SerialDeframer): number =>
  Object.values<number>({ ...d.drops }).reduce((a, b) => a + b, 0);

/** Our typed request for a recorded one, built from its fields through the public builders. */
function ourRequest(e: GoldenEntry): SmpRequest<unknown> {
  const f = e.fields;
  const bytes = (k: string) => fromHex(f[k] as string);
  const key = `${e.group}/${e.command}/${e.op}`;
  switch (key) {
    case '0/6/0':
      return os.mcumgrParams();
    case '0/0/2':
      return os.echo(f['d'] as string);
    case '0/5/2':
      return os.reset();
    case '1/0/0':
      return image.imageState();
    case '1/0/2':
      if (f['confirm'] === false) return image.imageTest(bytes('hash'));
      return image.imageConfirm('hash' in f ? bytes('hash') : undefined);
    case '1/1/2':
      if (f['off'] === 0) {
        return image.uploadFirst({
          len: f['len'] as number,
          sha: bytes('sha'),
          data: bytes('data'),
          image: f['image'] as number,
          upgrade: f['upgrade'] as boolean,
        });
      }
      return image.uploadNext(f['off'] as number, bytes('data'));
    case '1/5/2':
      return image.imageErase(f['slot'] as number);
    default:
      throw new Error(`no builder for ${key} (${e.name})`);
  }
}

function pairedRequest(response: GoldenEntry): GoldenEntry {
  const req = requests.find((r) => r.pair === response.pair);
  if (!req) throw new Error(`no request for ${response.name}`);
  return req;
}

function receivedBytes(e: GoldenEntry): Uint8Array {
  return e.rx_stream !== undefined ? latin1(e.rx_stream) : latin1(e.serial_lines.join(''));
}

describe.skipIf(!hasSmpVectors)('SMP golden frames (smpclient ↔ Zephyr 4.4.0)', () => {
  it('has the 22 request/response pairs and 13 malformed cases', () => {
    expect(ordinary).toHaveLength(44);
    expect(golden.entries.filter((e) => e.malformed !== undefined)).toHaveLength(13);
  });

  describe.each(ordinary.map((e) => [e.name, e] as const))('%s', (_n, e) => {
    const frame = fromHex(e.frame_hex ?? '');

    it('header encodes and decodes exactly', () => {
      const fields = {
        op: e.op,
        version: e.version,
        flags: e.flags ?? 0,
        length: e.length ?? 0,
        group: e.group,
        seq: e.seq,
        command: e.command,
      };
      expect(hexOf(encodeHeader(fields))).toBe(e.frame_hex?.slice(0, 16));
      expect(decodeHeader(frame)).toEqual(fields);
    });

    it('BLE: split into writes of any size and reassembled from notifications of any size', () => {
      for (const size of [8, 20, 64, 244]) {
        const r = new BleReassembler();
        const out = splitIntoWrites(frame, size).flatMap((w) => r.push(w, 0));
        expect(out.map(hexOf)).toEqual([e.frame_hex]);
      }
    });

    if (e.direction === 'request') {
      it('our builder produces the same frame, byte for byte, and the same serial lines', () => {
        const req = ourRequest(e);
        const ours = encodeFrame(
          {
            op: req.op,
            version: e.version,
            flags: 0,
            group: req.group,
            seq: e.seq,
            command: req.command,
          },
          req.body,
        );
        expect(asGoldenJson(decodeFrame(ours).body)).toEqual(e.fields);
        expect(hexOf(ours)).toBe(e.frame_hex); // cborg's canonical encoding equals smp's
        expect(serialLines(ours).map((l) => Buffer.from(l).toString('latin1'))).toEqual(
          e.serial_lines,
        );
      });
    } else {
      it('the serial stream (console noise included) deframes to the frame, and decodes to the fields', () => {
        const d = new SerialDeframer();
        const frames = d.push(receivedBytes(e));
        expect(frames.map(hexOf)).toEqual([e.frame_hex]);
        expect(totalDrops(d)).toBe(0);
        const decoded = decodeFrame(frames[0] ?? new Uint8Array());
        expect(asGoldenJson(decoded.body)).toEqual(e.fields);
      });

      it('is read as a success or a typed device error, as smpclient read it', () => {
        const req = ourRequest(pairedRequest(e));
        const { body } = decodeFrame(frame);
        const read = () => req.parse(new Fields(checkAnswer(body, req), req.name));
        if ('rc' in e.fields && e.fields['rc'] !== 0) {
          expect(read).toThrow(SmpDeviceError);
          try {
            read();
          } catch (err) {
            expect((err as SmpDeviceError).detail).toMatchObject({
              style: 'v1',
              rc: e.fields['rc'],
            });
          }
        } else if ('err' in e.fields) {
          const err = e.fields['err'] as { group: number; rc: number };
          try {
            read();
            throw new Error('expected a device error');
          } catch (caught) {
            expect(caught).toBeInstanceOf(SmpDeviceError);
            expect((caught as SmpDeviceError).detail).toMatchObject({
              style: 'v2',
              group: err.group,
              rc: err.rc,
            });
          }
        } else {
          expect(read).not.toThrow();
        }
      });
    }
  });

  it('reads the image lists and upload answers into typed values', () => {
    const two = responses.find((r) => r.name === 'img_state_read_two_slots_response');
    const list = image
      .imageState()
      .parse(new Fields(decodeFrame(fromHex(two?.frame_hex ?? '')).body, 'image list'));
    expect(
      list.images.map((i) => [
        i.slot,
        i.version,
        hexOf(i.hash ?? new Uint8Array()),
        i.active,
        i.confirmed,
      ]),
    ).toEqual([
      [0, '0.0.0', '1baa222074cc805faf4e09846d2377886b1e5ef7cfccd9eac1554d82d9aa9d5a', true, true],
      [1, '1.2.3.4', golden.upload_image.image_hash_tlv, false, false],
    ]);
    expect(image.parseDeviceVersion('1.2.3.4')).toEqual({
      major: 1,
      minor: 2,
      revision: 3,
      build: 4,
    });
    const last = responses.find((r) => r.name === 'img_upload_chunk_last_response');
    expect(
      image
        .uploadNext(0, new Uint8Array())
        .parse(new Fields(decodeFrame(fromHex(last?.frame_hex ?? '')).body, 'x')),
    ).toEqual({ off: 1472, match: undefined });
  });

  it('the recorded upload chunks carry the whole image, each starting where the device said', () => {
    const chunks = requests.filter((r) => r.name.startsWith('img_upload_chunk_'));
    const answers = responses.filter((r) => r.name.startsWith('img_upload_chunk_'));
    const data = chunks.map((c) => fromHex(c.fields['data'] as string));
    expect(hexOf(Uint8Array.from(data.flatMap((d) => [...d])))).toBe(golden.upload_image.hex);
    chunks.slice(1).forEach((c, i) => expect(c.fields['off']).toBe(answers[i]?.fields['off']));
  });
});

describe.skipIf(!hasSmpVectors)('SMP golden malformed cases', () => {
  const malformed = golden.entries.filter((e) => e.malformed !== undefined);
  const feed = (e: GoldenEntry) => {
    const d = new SerialDeframer();
    return { d, frames: d.push(latin1(e.serial_lines.join(''))) };
  };

  it.each(malformed.filter((e) => e.direction === 'request').map((e) => [e.name, e] as const))(
    '%s: dropped, as Zephyr drops it, and the next valid request still decodes',
    (_n, e) => {
      const { d, frames } = feed(e);
      expect(frames).toEqual([]);
      const next = (e.peer_behaviour?.['next_valid_request'] as string) ?? '';
      expect(d.push(serialLines(fromHex(next))[0] ?? new Uint8Array()).map(hexOf)).toEqual([next]);
    },
  );

  it.each(malformed.filter((e) => e.direction === 'response').map((e) => [e.name, e] as const))(
    '%s',
    (_n, e) => {
      const { d, frames } = feed(e);
      switch (e.mutation ?? '') {
        case 'valid_control':
        case 'console_noise_before_frame':
        case 'sequence_mismatch': // well-framed: the client drops it by sequence number (client tests)
          expect(frames.map(hexOf)).toEqual([e.base_frame_hex]);
          break;
        case 'length_too_large': // waits for continuation lines that never come; the request times out
          expect(frames).toEqual([]);
          expect(totalDrops(d)).toBe(0);
          break;
        default: {
          // bad_crc, truncated_base64, continuation_without_start, and length_too_small, which
          // smpclient accepts but Zephyr drops: we drop it, a length that lies is not trusted.
          expect(frames).toEqual([]);
          const why = {
            bad_crc: 'badCrc',
            truncated_base64: 'badBase64',
            continuation_without_start: 'orphanContinuation',
            length_too_small: 'badLength',
          }[e.mutation ?? ''];
          expect(why && d.drops[why as keyof typeof d.drops], `${e.mutation} is counted`).toBe(1);
        }
      }
    },
  );
});
