/**
 * The simulated device: flash with MCUboot slots, the bootloader, a Zephyr
 * SMP server (OS and image groups) on one SMP thread, its network buffers,
 * and the links a host can open to it (Bluetooth LE, serial). It boots,
 * resets, loses power and comes back as a real device does, and carries out
 * the device-level faults of its FaultPlan.
 * @module
 */
export type { DeviceConfig, DeviceEvent, DeviceState } from './device-config.ts';
import type { SubtleLike } from '../core/image/index.ts';
import type { DeviceConfig, DeviceEvent, DeviceState } from './device-config.ts';
import { Flash } from './flash.ts';
import { FaultPlan, type Fault } from './faults.ts';
import { registerImage } from './handlers/image.ts';
import { ImageModel } from './handlers/image-model.ts';
import { Uploader } from './handlers/image-upload.ts';
import { SimBluetooth } from './bluetooth-host.ts';
import { registerOs } from './handlers/os.ts';
import type { DeviceSide, SimLink } from './link.ts';
import { bleCapacity, type BleDevice, type BleLinkProfile, type SimBleLink } from './link-ble.ts';
import {
  serialCapacity,
  type SerialDevice,
  type SerialLinkProfile,
  type SimSerialLink,
} from './link-serial.ts';
import { Mcuboot, type BootResult, type ImageSlots } from './mcuboot.ts';
import { SimSerial } from './serial-port.ts';
import { SmpServer } from './server.ts';
import { powerCutOf, SmpThread, type PowerCut } from './smp-thread.ts';
import { now, Timers } from './wire.ts';

/** MCUboot mode numbers as bootloader info reports them (enum mcuboot_mode, boot_status.h). */
const MODE_NUMBER = { swap: 3, 'overwrite-only': 2 } as const;

export class SimulatedDevice implements DeviceSide, BleDevice, SerialDevice {
  readonly faults: FaultPlan;
  readonly flash: Flash;
  readonly bootloader: Mcuboot | null;
  readonly server: SmpServer;
  readonly uploader: Uploader | null;
  readonly bootLog: BootResult[] = [];
  readonly events: DeviceEvent[] = [];
  /** Called for every event, e.g. by the demo's display. */
  onEvent: (event: DeviceEvent) => void = () => undefined;
  readonly #timers = new Timers();
  readonly #faultTimers = new Timers();
  readonly #thread: SmpThread;
  readonly #links = new Set<SimLink>();
  #state: DeviceState = 'off';
  /** Bumped at every power cut or reboot: work queued before it is abandoned. */
  #epoch = 0;
  #usbGeneration = 0;
  #advertisingWaiters = new Set<() => void>();

  /**
   * @param host.subtle WebCrypto for the bootloader's RSA-PSS checks; defaults
   *   to the platform's (browsers and Node both have `crypto.subtle`).
   */
  constructor(
    readonly config: DeviceConfig,
    host: { readonly subtle?: SubtleLike } = {},
  ) {
    this.faults = new FaultPlan(config.seed);
    this.faults.onDeviceFault = (fault) => this.#scheduleFault(fault);
    this.server = new SmpServer(config.bufSize);
    this.#thread = new SmpThread({
      server: this.server,
      faults: this.faults,
      timers: this.#timers,
      processMs: config.processMs,
      bufCount: config.bufCount,
      running: () => this.#state === 'running',
      cutPower: (cut) => this.powerLoss(cut),
    });
    const slots: ImageSlots[] = Array.from({ length: config.images }, (_, i) => ({
      primary: { offset: 2 * i * config.slotSize, size: config.slotSize },
      secondary: { offset: (2 * i + 1) * config.slotSize, size: config.slotSize },
    }));
    const { eraseSectorMs, writeByteMs, ...geometry } = config.flash;
    this.flash = new Flash(
      { ...geometry, size: 2 * config.images * config.slotSize },
      { eraseSectorMs, writeByteMs },
    );
    const boot = config.bootloader;
    this.bootloader = boot
      ? new Mcuboot(this.flash, slots, boot, host.subtle ?? globalThis.crypto?.subtle)
      : null;
    registerOs(
      this.server,
      {
        bufSize: config.bufSize,
        bufCount: config.bufCount,
        params: config.os.params,
        info: config.os.info,
        tasks: config.os.tasks,
        echoWithoutText: config.os.echoWithoutText,
        bootloaderMode: boot && config.os.bootloaderInfo ? MODE_NUMBER[boot.mode] : null,
      },
      () => this.#timers.after(config.resetMs, () => void this.reboot('reset command')),
    );
    if (this.bootloader) {
      const model = new ImageModel(this.bootloader, config.image);
      this.uploader = new Uploader(model, (off) => this.faults.uploadOffset(off));
      registerImage(this.server, model, this.uploader);
    } else {
      this.uploader = null;
    }
  }

  /** The links open now (for observing their counters). */
  get links(): readonly SimLink[] {
    return [...this.#links];
  }

  get state(): DeviceState {
    return this.#state;
  }

  get name(): string {
    return this.config.name;
  }

  get bufSize(): number {
    return this.config.bufSize;
  }

  get side(): DeviceSide {
    return this;
  }

  get ble(): BleLinkProfile {
    if (!this.config.ble) throw new Error(`${this.name} has no Bluetooth link`);
    return this.config.ble;
  }

  get serial(): SerialLinkProfile {
    if (!this.config.serial) throw new Error(`${this.name} has no serial link`);
    return this.config.serial;
  }

  /** Frame bytes per second each link could carry at best. */
  capacity(): { ble?: ReturnType<typeof bleCapacity>; serial?: ReturnType<typeof serialCapacity> } {
    return {
      ...(this.config.ble ? { ble: bleCapacity(this.config.ble) } : {}),
      ...(this.config.serial ? { serial: serialCapacity(this.config.serial) } : {}),
    };
  }

  /** `navigator.bluetooth` with this device in range. */
  bluetooth(): SimBluetooth {
    return new SimBluetooth([this]);
  }

  /** `navigator.serial` with this device plugged in. */
  serialPorts(): SimSerial {
    return new SimSerial(this);
  }

  // --- flash set-up (a factory programmer, not SMP) ----------------------------------------

  /** Writes image bytes into a slot, as a programmer would; `trailer` adds MCUboot flags. */
  install(bytes: Uint8Array, where: { image?: number; slot: 'primary' | 'secondary' }): void {
    const pair = this.bootloader?.slots[where.image ?? 0];
    if (!pair) throw new RangeError(`no image ${where.image ?? 0} on ${this.name}`);
    const area = where.slot === 'primary' ? pair.primary : pair.secondary;
    if (bytes.length > area.size)
      throw new RangeError(`${bytes.length} bytes do not fit the ${area.size}-byte slot`);
    const align = this.flash.geometry.writeAlign;
    const padded = new Uint8Array(Math.ceil(bytes.length / align) * align).fill(
      this.flash.geometry.erasedValue,
    );
    padded.set(bytes);
    this.flash.erase(area.offset, area.size);
    this.flash.write(area.offset, padded);
  }

  // --- power and boot ------------------------------------------------------------------------

  /** Power on: the bootloader runs, then the app. Resolves with the boot's outcome. */
  async powerOn(): Promise<DeviceState> {
    if (this.#state !== 'off') return this.#state;
    this.#event('power-on', 'power applied');
    return this.#boot();
  }

  /** Starts the app without a boot (a device already running when the test begins). */
  startApp(): void {
    this.#state = 'running';
    this.#usbGeneration++;
    this.#wakeAdvertisingWaiters();
  }

  /** A reboot: links drop, RAM state is lost, the bootloader runs. */
  async reboot(why: string): Promise<DeviceState> {
    this.#event('reset', why);
    this.#stopEverything(`the device rebooted (${why})`, false);
    return this.#boot();
  }

  /**
   * Power cut: RAM state lost, flash kept; with `tear`, a flash operation in
   * progress leaves its sector torn. Comes back after `offMs` if given.
   */
  powerLoss(options: PowerCut = {}): void {
    if (this.#state === 'off') return;
    const flashBusy = this.#thread.flashBusy();
    const op = this.flash.lastOp;
    if (options.tear && flashBusy && op) {
      const at = op.offset + Math.max(0, op.length - 1);
      this.flash.tear(at, this.faults.random);
      this.faults.note(
        'power-loss',
        `power lost during a flash operation; sector at 0x${at.toString(16)} torn`,
      );
    } else {
      this.faults.note(
        'power-loss',
        flashBusy ? 'power lost during a flash operation (not torn)' : 'power lost',
      );
    }
    this.#event('power-loss', 'power cut');
    this.#stopEverything('the device lost power', true);
    this.#state = 'off';
    if (options.offMs !== undefined)
      this.#faultTimers.after(options.offMs, () => void this.powerOn());
  }

  #stopEverything(detail: string, powerCut: boolean): void {
    this.#epoch++;
    this.#timers.cancelAll();
    this.#thread.stop();
    this.uploader?.reset();
    this.#state = 'booting';
    for (const link of [...this.#links]) {
      if (link.kind === 'serial' && this.serial.survivesReset && !powerCut) {
        (link as SimSerialLink).flush();
        continue;
      }
      this.#links.delete(link);
      link.drop(detail);
      this.#event('link-down', `${link.kind}: ${detail}`);
    }
  }

  async #boot(): Promise<DeviceState> {
    this.#state = 'booting';
    const epoch = this.#epoch;
    let result: BootResult | null = null;
    if (this.bootloader) {
      result = await this.bootloader.boot();
      this.bootLog.push(result);
      if (!(await this.#timers.sleep(result.durationMs)) || epoch !== this.#epoch)
        return this.#state;
      if (!result.booted) {
        this.#state = 'stuck-in-bootloader';
        this.#event('boot-failed', result.failure ?? 'no bootable image');
        return this.#state;
      }
    }
    if (!(await this.#timers.sleep(this.config.appStartMs)) || epoch !== this.#epoch)
      return this.#state;
    this.#state = 'running';
    this.#usbGeneration++;
    const images =
      result?.images
        .filter((r) => r.action !== 'none')
        .map((r) => `image ${r.image}: ${r.action}${r.reason ? ` (${r.reason})` : ''}`) ?? [];
    this.#event(
      'booted',
      images.length ? images.join('; ') : 'booted the image in the primary slot',
    );
    for (const link of this.#links)
      if (link.kind === 'serial') (link as SimSerialLink).print(this.config.banner);
    this.#wakeAdvertisingWaiters();
    return this.#state;
  }

  // --- links ---------------------------------------------------------------------------------

  advertising(timeoutMs: number): Promise<boolean> {
    if (this.#state === 'running' && this.config.ble) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#advertisingWaiters.delete(wake);
        resolve(ok);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#advertisingWaiters.add(wake);
    });
  }

  #wakeAdvertisingWaiters(): void {
    for (const wake of [...this.#advertisingWaiters]) wake();
  }

  connected(link: SimBleLink | SimSerialLink): void {
    this.#links.add(link);
    this.#event('link-up', link.kind);
  }

  closed(link: SimLink): void {
    this.#links.delete(link);
    this.#event('link-down', `${link.kind}: closed by the host`);
  }

  smpFreeAt(): number {
    return this.#thread.freeAt();
  }

  listening(): boolean {
    return this.#state === 'running';
  }

  present(): boolean {
    return this.serial.survivesReset || this.#state === 'running';
  }

  generation(): number {
    return this.serial.survivesReset ? 0 : this.#usbGeneration;
  }

  /** Drops every link from the device's side (a disconnect fault). */
  disconnect(detail: string): void {
    for (const link of [...this.#links]) {
      this.#links.delete(link);
      link.drop(detail);
      this.#event('link-down', `${link.kind}: ${detail}`);
    }
  }

  bytesToDevice(total: number): void {
    for (const fault of this.faults.bytesToDevice(total)) {
      if (fault.kind === 'disconnect') {
        this.faults.note('disconnect', `link dropped at byte ${total} towards the device`);
        this.disconnect(`disconnect fault at byte ${total}`);
      } else if (fault.kind === 'power-loss') {
        this.powerLoss(powerCutOf(fault));
      }
    }
  }

  // --- the SMP thread ---------------------------------------------------------------------------

  receive(packet: Uint8Array, link: SimLink): void {
    this.#thread.receive(packet, link);
  }

  // --- faults ------------------------------------------------------------------------------------

  #scheduleFault(fault: Fault): void {
    if (fault.kind === 'slow-flash') {
      this.flash.slowdown = fault.factor;
      this.faults.note('slow-flash', `flash operations take ${fault.factor}× as long`);
    } else if (fault.kind === 'disconnect' && fault.afterMs !== undefined) {
      this.#faultTimers.after(fault.afterMs, () => {
        this.faults.note('disconnect', `link dropped after ${fault.afterMs} ms`);
        this.disconnect(`disconnect fault after ${fault.afterMs} ms`);
      });
    } else if (fault.kind === 'power-loss' && fault.afterMs !== undefined) {
      this.#faultTimers.after(fault.afterMs, () => this.powerLoss(powerCutOf(fault)));
    }
  }

  /** Cancels every timer the device holds (end of a test or of the demo). */
  dispose(): void {
    this.#epoch++;
    this.#timers.cancelAll();
    this.#faultTimers.cancelAll();
    this.disconnect('the simulator stopped');
    this.#state = 'off';
  }

  #event(what: DeviceEvent['what'], detail: string): void {
    const event = { at: now(), what, detail };
    this.events.push(event);
    this.onEvent(event);
  }
}
