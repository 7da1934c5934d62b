/**
 * SMP over Web Bluetooth: the SMP GATT service and characteristic
 * (research/protocols.md §3), requests as write-without-response, answers as
 * notifications. The host `Bluetooth` object is passed in (app/ gives
 * navigator.bluetooth). Web Bluetooth hides the ATT MTU, so the write size
 * starts at the always-safe 20 bytes and grows only by probing
 * (client/link.ts); a write the browser rejects shrinks it and the frame is
 * sent again.
 * @module
 */
import {
  BleReassembler,
  SMP_CHARACTERISTIC_UUID,
  SMP_SERVICE_UUID,
  splitIntoWrites,
} from '../core/smp/index.ts';
import { BaseTransport } from './base.ts';
import {
  LinkWriteError,
  TransportClosedError,
  type CloseReason,
  type SendOptions,
  type Transport,
  type WriteSizeTunable,
} from './types.ts';

export { SMP_CHARACTERISTIC_UUID, SMP_SERVICE_UUID };

/** ATT default MTU 23 − 3: every link carries writes this large. */
export const SAFE_WRITE_SIZE = 20;
/**
 * Write sizes worth probing, largest first: Chrome's 512-byte cap, MTU 498
 * (Nordic's recommended DFU setting), 247 (common nRF default), 185 (iOS), and
 * smaller fallbacks.
 */
export const WRITE_SIZE_CANDIDATES = [512, 495, 244, 182, 100, 64] as const;

// The slice of the Web Bluetooth API used here, so any conforming object (or a test double) fits.
export interface BluetoothLike {
  requestDevice(options: {
    filters?: { services?: string[]; namePrefix?: string }[];
    optionalServices?: string[];
  }): Promise<BluetoothDeviceLike>;
}
export interface BluetoothDeviceLike extends EventTarget {
  readonly id: string;
  readonly name?: string | undefined;
  readonly gatt?: GattServerLike | undefined;
}
export interface GattServerLike {
  readonly connected: boolean;
  connect(): Promise<GattServerLike>;
  disconnect(): void;
  getPrimaryService(
    uuid: string,
  ): Promise<{ getCharacteristic(uuid: string): Promise<GattCharacteristicLike> }>;
  /** Proposed (web-bluetooth PR #672): ATT_MTU − 3, where a browser offers it. */
  readonly maxWriteWithoutResponseSize?: number;
}
export interface GattCharacteristicLike extends EventTarget {
  readonly value?: DataView | null;
  startNotifications(): Promise<unknown>;
  stopNotifications(): Promise<unknown>;
  writeValueWithoutResponse(value: Uint8Array<ArrayBuffer>): Promise<void>;
}

/**
 * Shows the browser's device chooser for devices offering the SMP service.
 * Resolves null when the user cancels the chooser (not an error).
 */
export async function requestSmpDevice(
  bluetooth: BluetoothLike,
  options: { namePrefix?: string } = {},
): Promise<BluetoothDeviceLike | null> {
  const filter = options.namePrefix
    ? { namePrefix: options.namePrefix }
    : { services: [SMP_SERVICE_UUID] };
  try {
    return await bluetooth.requestDevice({
      filters: [filter],
      optionalServices: [SMP_SERVICE_UUID],
    });
  } catch (error) {
    if (
      (error as DOMException).name === 'NotFoundError' &&
      /cancel/i.test((error as Error).message)
    )
      return null;
    throw error;
  }
}

class WebBluetoothTransport extends BaseTransport implements Transport, WriteSizeTunable {
  readonly kind = 'bluetooth';
  readonly frameOverhead = 0;
  readonly reassembler = new BleReassembler();
  readonly writeSizeCandidates: readonly number[];
  #writeSize: number;
  readonly #onNotify = (event: Event) => {
    const view = (event.target as GattCharacteristicLike).value;
    if (!view) return;
    const bytes = new Uint8Array(
      view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength),
    );
    for (const frame of this.reassembler.push(bytes, performance.now())) this.deliver(frame);
  };
  readonly #onDisconnect = () =>
    this.shut({ kind: 'device-lost', detail: 'The device disconnected.' });

  constructor(
    private readonly device: BluetoothDeviceLike,
    private readonly server: GattServerLike,
    private readonly characteristic: GattCharacteristicLike,
  ) {
    super();
    const max = server.maxWriteWithoutResponseSize;
    this.#writeSize =
      max !== undefined && max >= SAFE_WRITE_SIZE ? Math.min(max, 512) : SAFE_WRITE_SIZE;
    this.writeSizeCandidates = WRITE_SIZE_CANDIDATES.filter((s) => max === undefined || s <= max);
    characteristic.addEventListener('characteristicvaluechanged', this.#onNotify);
    device.addEventListener('gattserverdisconnected', this.#onDisconnect);
  }

  get writeSize(): number {
    return this.#writeSize;
  }

  setWriteSize(size: number): void {
    if (!Number.isInteger(size) || size < 8 || size > 512)
      throw new RangeError(`a write size is 8…512 bytes, not ${size}`);
    this.#writeSize = size;
  }

  send(frame: Uint8Array, options: SendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    // One frame at a time: Zephyr has one reassembly context per connection.
    return this.inOrder(() => this.#sendFrame(frame));
  }

  async #sendFrame(frame: Uint8Array): Promise<void> {
    for (;;) {
      const reason = this.closeReason;
      if (reason) throw new TransportClosedError('bluetooth', reason);
      const size = this.#writeSize;
      const writes = splitIntoWrites(frame, size);
      let i = 0;
      try {
        for (; i < writes.length; i++)
          await this.characteristic.writeValueWithoutResponse(Uint8Array.from(writes[i] ?? []));
        return;
      } catch (cause) {
        if (!this.server.connected) {
          this.shut({ kind: 'device-lost', detail: 'The device disconnected.' });
          throw new TransportClosedError('bluetooth', this.closeReason ?? { kind: 'closed' });
        }
        // The browser refused the write while still connected: too large for this link.
        // Only a refused first write leaves the device's reassembly clean for a retry.
        if (i !== 0 || size <= SAFE_WRITE_SIZE)
          throw new LinkWriteError('bluetooth', writes[i]?.length ?? size, { cause });
        this.#writeSize = this.writeSizeCandidates.find((s) => s < size) ?? SAFE_WRITE_SIZE;
      }
    }
  }

  protected override shut(reason: CloseReason): boolean {
    if (!super.shut(reason)) return false;
    this.characteristic.removeEventListener('characteristicvaluechanged', this.#onNotify);
    this.device.removeEventListener('gattserverdisconnected', this.#onDisconnect);
    return true;
  }

  async close(): Promise<void> {
    if (!this.shut({ kind: 'closed' })) return;
    if (this.server.connected) {
      await this.characteristic.stopNotifications().catch(() => undefined);
      this.server.disconnect();
    }
  }
}

/** Connects to the SMP service of `device` and subscribes to its answers. */
export async function connectSmpDevice(
  device: BluetoothDeviceLike,
  options: { signal?: AbortSignal } = {},
): Promise<Transport & WriteSizeTunable> {
  options.signal?.throwIfAborted();
  if (!device.gatt)
    throw new TransportClosedError('bluetooth', {
      kind: 'link-error',
      detail: 'This device has no GATT server.',
    });
  const server = await device.gatt.connect();
  try {
    options.signal?.throwIfAborted();
    const service = await server.getPrimaryService(SMP_SERVICE_UUID);
    const characteristic = await service.getCharacteristic(SMP_CHARACTERISTIC_UUID);
    const transport = new WebBluetoothTransport(device, server, characteristic);
    await characteristic.startNotifications();
    return transport;
  } catch (error) {
    server.disconnect();
    throw error;
  }
}
