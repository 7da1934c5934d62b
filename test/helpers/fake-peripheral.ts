/**
 * A Bluetooth LE SMP device for Chromium's own Web Bluetooth stack, through
 * CDP `BluetoothEmulation` (browser target) and `DeviceAccess` (page target),
 * as in ../shared/research/browser-testing.md §1. It enforces what the
 * emulation does not: the ATT MTU (a write larger than MTU − 3 is lost
 * silently, as on real links) and the write type (write-without-response).
 * Answers go out as notifications of at most MTU − 3 bytes.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { BleReassembler, decodeFrame, splitIntoWrites } from '../../src/core/smp/index.ts';
import { SMP_CHARACTERISTIC_UUID, SMP_SERVICE_UUID } from '../../src/transport/web-bluetooth.ts';
import type { Handler } from './responder.ts';

const CCCD = '00002902-0000-1000-8000-00805f9b34fb';

/** CDP `BluetoothEmulation.characteristicOperationReceived`, the fields used here. */
interface OperationEvent {
  readonly characteristicId: string;
  readonly type: 'read' | 'write' | 'subscribe-to-notifications' | 'unsubscribe-from-notifications';
  readonly data?: string;
  readonly writeType?: string;
}

export interface FakePeripheralOptions {
  readonly address?: string;
  readonly name?: string;
  /** ATT MTU; writes over MTU − 3 bytes are dropped. */
  readonly mtu: number;
  /** Answers whole request frames (a scripted device)… */
  readonly handler?: Handler;
  /** …or takes each write as it comes (a bridge to the simulator's own link model). */
  readonly onWrite?: (bytes: Uint8Array) => void;
  /** Chromium connects (again): true when the device behind is reachable now. */
  readonly onConnect?: () => Promise<boolean>;
}

export class FakePeripheral {
  readonly address: string;
  /** Writes dropped because they exceeded MTU − 3. */
  oversizedWrites = 0;
  /** Writes that were not write-without-response. */
  wrongWriteType = 0;
  writes = 0;
  readonly #bt: CDPSession;
  readonly #pg: CDPSession;
  readonly #page: Page;
  readonly #options: FakePeripheralOptions;
  readonly #reassembler = new BleReassembler();
  #characteristicId: string | null = null;
  #outbox: Uint8Array[] = [];
  #chain: Promise<unknown> = Promise.resolve();
  #closing = false;
  #disposed = false;
  readonly #answered = new Set<string>();

  private constructor(bt: CDPSession, pg: CDPSession, page: Page, options: FakePeripheralOptions) {
    this.#bt = bt;
    this.#pg = pg;
    this.#page = page;
    this.#options = options;
    this.address = options.address ?? '09:09:09:09:09:09';
  }

  static async create(
    context: BrowserContext,
    page: Page,
    options: FakePeripheralOptions,
  ): Promise<FakePeripheral> {
    const browser = context.browser();
    if (!browser) throw new Error('no browser');
    const bt = await browser.newBrowserCDPSession();
    const pg = await context.newCDPSession(page);
    const p = new FakePeripheral(bt, pg, page, options);
    await p.#setup();
    return p;
  }

  async #setup(): Promise<void> {
    this.#pg.on(
      'DeviceAccess.deviceRequestPrompted',
      (e: { id: string; devices: { id: string }[] }) => {
        const device = e.devices.find((d) => d.id === this.address);
        // Each prompt must be answered once: a second selectPrompt crashes the browser.
        if (device && !this.#answered.has(e.id)) {
          this.#answered.add(e.id);
          void this.#pg.send('DeviceAccess.selectPrompt', { id: e.id, deviceId: device.id });
        }
      },
    );
    await this.#pg.send('DeviceAccess.enable');
    await this.#bt.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true });
    await this.#bt.send('BluetoothEmulation.simulatePreconnectedPeripheral', {
      address: this.address,
      name: this.#options.name ?? 'fieldflash-test',
      manufacturerData: [],
      knownServiceUuids: [SMP_SERVICE_UUID],
    });
    await this.#addGatt();
    this.#bt.on('BluetoothEmulation.gattOperationReceived', (e) => {
      void (async () => {
        // A simulated disconnection wipes the GATT database: rebuild it on reconnect.
        if (e.type === 'connection' && !this.#characteristicId) await this.#addGatt();
        const up =
          e.type === 'connection' && this.#options.onConnect
            ? await this.#options.onConnect()
            : true;
        await this.#answer('BluetoothEmulation.simulateGATTOperationResponse', {
          address: e.address,
          type: e.type,
          // 0x3E: "connection failed to be established" (HCI), as when the device is not advertising.
          code: up ? 0 : 0x3e,
        });
      })().catch((error: unknown) => {
        if (!this.#disposed) throw error;
      });
    });
    this.#bt.on('BluetoothEmulation.characteristicOperationReceived', (e) => {
      void this.#onOperation(e);
    });
  }

  /** An answer to Chromium; one still on its way when the test ends has nobody to go to. */
  async #answer(
    method:
      | 'BluetoothEmulation.simulateGATTOperationResponse'
      | 'BluetoothEmulation.simulateCharacteristicOperationResponse',
    params: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.#bt.send(method, params as never);
    } catch (error) {
      if (!this.#disposed) throw error;
    }
  }

  async #addGatt(): Promise<void> {
    const { serviceId } = await this.#bt.send('BluetoothEmulation.addService', {
      address: this.address,
      serviceUuid: SMP_SERVICE_UUID,
    });
    const { characteristicId } = await this.#bt.send('BluetoothEmulation.addCharacteristic', {
      serviceId,
      characteristicUuid: SMP_CHARACTERISTIC_UUID,
      properties: { writeWithoutResponse: true, notify: true },
    });
    await this.#bt.send('BluetoothEmulation.addDescriptor', {
      characteristicId,
      descriptorUuid: CCCD,
    });
    this.#characteristicId = characteristicId;
  }

  async #onOperation(e: OperationEvent): Promise<void> {
    const reply = (data?: Uint8Array) =>
      this.#answer('BluetoothEmulation.simulateCharacteristicOperationResponse', {
        characteristicId: e.characteristicId,
        type: e.type,
        code: 0,
        ...(data ? { data: Buffer.from(data).toString('base64') } : {}),
      });
    if (e.type === 'write') {
      this.writes++;
      if (e.writeType !== 'write-without-response') {
        this.wrongWriteType++;
        await reply();
        return;
      }
      const bytes = new Uint8Array(Buffer.from(e.data ?? '', 'base64'));
      if (bytes.length > this.#options.mtu - 3) {
        this.oversizedWrites++; // lost on a real link, with no error to the sender
        return;
      }
      if (this.#options.onWrite) {
        this.#options.onWrite(bytes);
        return;
      }
      const handler = this.#options.handler;
      if (!handler) return;
      for (const frame of this.#reassembler.push(bytes, Date.now())) {
        const answers = await handler(decodeFrame(frame));
        for (const a of answers)
          for (const n of splitIntoWrites(a, this.#options.mtu - 3)) this.notify(n);
      }
    } else if (e.type === 'read') {
      await reply(this.#outbox.shift() ?? new Uint8Array());
    } else {
      await reply(); // (un)subscribe
    }
  }

  /** Sends one notification (queued: notifications go out in order). */
  notify(bytes: Uint8Array): Promise<unknown> {
    this.#chain = this.#chain.then(async () => {
      if (this.#closing) return false;
      this.#outbox.push(bytes);
      return this.#page.evaluate(
        (uuid) =>
          (globalThis as unknown as { __btNotify: (u: string) => Promise<boolean> }).__btNotify(
            uuid,
          ),
        SMP_CHARACTERISTIC_UUID,
      );
    });
    return this.#chain;
  }

  /** Drops the link (never with a read in flight: that wedges Chromium's Bluetooth service). */
  async disconnect(): Promise<void> {
    if (this.#disposed) return; // the test is over: nothing left to drop
    this.#closing = true;
    await this.#chain.catch(() => undefined);
    this.#characteristicId = null;
    await this.#bt.send('BluetoothEmulation.simulateGATTDisconnection', { address: this.address });
    this.#closing = false;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#bt.send('BluetoothEmulation.disable').catch(() => undefined);
    await this.#bt.detach().catch(() => undefined);
    await this.#pg.detach().catch(() => undefined);
  }
}
