/**
 * The Web Bluetooth and Web Serial transports against host-API test doubles
 * that implement the same shapes as the browser's objects: write-size
 * shrinking on a refused write, frame order, disconnects, lost serial devices.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeSerialFrame, splitIntoWrites } from '../../src/core/smp/index.ts';
import {
  connectSmpDevice,
  requestSmpDevice,
  SMP_SERVICE_UUID,
  type BluetoothLike,
  type GattCharacteristicLike,
  type GattServerLike,
} from '../../src/transport/web-bluetooth.ts';
import { openWebSerial, type SerialPortLike } from '../../src/transport/web-serial.ts';
import { LinkWriteError, TransportClosedError } from '../../src/transport/types.ts';

const frame = (n: number) =>
  encodeFrame({ op: 2, version: 1, flags: 0, group: 0, seq: 1, command: 0 }, { d: 'z'.repeat(n) });

class FakeCharacteristic extends EventTarget implements GattCharacteristicLike {
  value: DataView | null = null;
  writes: Uint8Array[] = [];
  notifying = false;
  constructor(private readonly refuseOver: number) {
    super();
  }
  startNotifications() {
    this.notifying = true;
    return Promise.resolve(this);
  }
  stopNotifications() {
    this.notifying = false;
    return Promise.resolve(this);
  }
  writeValueWithoutResponse(value: Uint8Array<ArrayBuffer>) {
    if (value.length > this.refuseOver)
      return Promise.reject(
        new DOMException('GATT operation failed for unknown reason.', 'NotSupportedError'),
      );
    this.writes.push(Uint8Array.from(value));
    return Promise.resolve();
  }
  notify(bytes: Uint8Array) {
    this.value = new DataView(Uint8Array.from(bytes).buffer);
    this.dispatchEvent(new Event('characteristicvaluechanged'));
  }
}

function fakeDevice(refuseOver = 512) {
  const characteristic = new FakeCharacteristic(refuseOver);
  const device = new EventTarget() as EventTarget & {
    id: string;
    name: string;
    gatt: GattServerLike;
  };
  const server: GattServerLike & { connected: boolean } = {
    connected: false,
    connect() {
      server.connected = true;
      return Promise.resolve(server);
    },
    disconnect() {
      server.connected = false;
      device.dispatchEvent(new Event('gattserverdisconnected'));
    },
    getPrimaryService: (uuid) => {
      expect(uuid).toBe(SMP_SERVICE_UUID);
      return Promise.resolve({ getCharacteristic: () => Promise.resolve(characteristic) });
    },
  };
  Object.assign(device, { id: 'd1', name: 'board', gatt: server });
  return { device, server, characteristic };
}

describe('Web Bluetooth transport', () => {
  it('asks the chooser for the SMP service; a cancelled chooser is null, not an error', async () => {
    const calls: unknown[] = [];
    const bluetooth: BluetoothLike = {
      requestDevice: (options) => {
        calls.push(options);
        return Promise.reject(
          new DOMException('User cancelled the requestDevice() chooser.', 'NotFoundError'),
        );
      },
    };
    expect(await requestSmpDevice(bluetooth)).toBeNull();
    expect(calls[0]).toEqual({
      filters: [{ services: [SMP_SERVICE_UUID] }],
      optionalServices: [SMP_SERVICE_UUID],
    });
  });

  it('starts at 20-byte writes, subscribes, reassembles notifications into frames', async () => {
    const { device, characteristic } = fakeDevice();
    const t = await connectSmpDevice(device);
    expect(t.writeSize).toBe(20);
    expect(characteristic.notifying).toBe(true);
    await t.send(frame(50));
    expect(characteristic.writes.map((w) => w.length)).toEqual([20, 20, 20, frame(50).length - 60]);
    const reader = t.frames.getReader();
    for (const n of splitIntoWrites(frame(300), 64)) characteristic.notify(n);
    expect((await reader.read()).value).toEqual(frame(300));
  });

  it('a write the browser refuses shrinks the write size and the frame is sent again whole', async () => {
    const { device, characteristic } = fakeDevice(150);
    const t = await connectSmpDevice(device);
    t.setWriteSize(495);
    await t.send(frame(400));
    expect(t.writeSize).toBe(100); // 495 and 244 and 182 were refused; 100 works
    expect(characteristic.writes.map((w) => w.length)).toEqual([
      100,
      100,
      100,
      100,
      frame(400).length - 400,
    ]);
    expect(Buffer.concat(characteristic.writes)).toEqual(Buffer.from(frame(400)));
  });

  it('a refusal at the smallest size is a LinkWriteError, not a silent timeout', async () => {
    const { device } = fakeDevice(10);
    const t = await connectSmpDevice(device);
    await expect(t.send(frame(50))).rejects.toBeInstanceOf(LinkWriteError);
  });

  it('gattserverdisconnected settles closed as device-lost; sending then fails with it', async () => {
    const { device, server } = fakeDevice();
    const t = await connectSmpDevice(device);
    server.disconnect();
    expect(await t.closed).toEqual({ kind: 'device-lost', detail: 'The device disconnected.' });
    const err = await t.send(frame(5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportClosedError);
    expect((err as Error).message).toMatch(/Bluetooth link to the device was lost/);
  });
});

class FakePort implements SerialPortLike {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  written: Uint8Array[] = [];
  opened: unknown = null;
  closedPort = false;
  #push!: ReadableStreamDefaultController<Uint8Array>;
  open(options: { baudRate: number }) {
    this.opened = options;
    this.readable = new ReadableStream({ start: (c) => (this.#push = c) });
    this.writable = new WritableStream({ write: (chunk) => void this.written.push(chunk) });
    return Promise.resolve();
  }
  close() {
    this.closedPort = true;
    return Promise.resolve();
  }
  feed(bytes: Uint8Array) {
    this.#push.enqueue(bytes);
  }
  lose() {
    this.#push.error(new DOMException('The device has been lost.', 'NetworkError'));
  }
}

describe('Web Serial transport', () => {
  it('opens at the baud rate, writes console lines, and deframes what it reads', async () => {
    const port = new FakePort();
    const t = await openWebSerial(port, { baudRate: 230400 });
    expect(port.opened).toMatchObject({ baudRate: 230400 });
    await t.send(frame(200));
    expect(Buffer.concat(port.written)).toEqual(Buffer.from(encodeSerialFrame(frame(200))));
    const reader = t.frames.getReader();
    const bytes = encodeSerialFrame(frame(300));
    port.feed(bytes.subarray(0, 77));
    port.feed(bytes.subarray(77));
    expect((await reader.read()).value).toEqual(frame(300));
    await t.close();
    expect(port.closedPort).toBe(true);
    expect(await t.closed).toEqual({ kind: 'closed' });
  });

  it('"The device has been lost." settles closed as device-lost', async () => {
    const port = new FakePort();
    const t = await openWebSerial(port);
    port.lose();
    expect(await t.closed).toEqual({ kind: 'device-lost', detail: 'The device has been lost.' });
    await expect(t.send(frame(1))).rejects.toBeInstanceOf(TransportClosedError);
    await t.close(); // closing a lost port does not throw
  });
});
