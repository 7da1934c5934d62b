/**
 * The simulated device: flash with MCUboot slots, the bootloader, a Zephyr
 * SMP server (OS and image groups) on one SMP thread, its network buffers,
 * and the links a host can open to it (Bluetooth LE, serial). It boots,
 * resets, loses power and comes back as a real device does, and carries out
 * the device-level faults of its FaultPlan.
 * @module
 */
import type { SubtleLike } from '../core/image/index.ts';
import { MgmtErr } from '../core/smp/index.ts';
import { Flash, type FlashGeometry, type FlashTiming } from './flash.ts';
import { FaultPlan, type Fault } from './faults.ts';
import { registerImage } from './handlers/image.ts';
import { ImageModel, type ImageGroupOptions } from './handlers/image-model.ts';
import { Uploader } from './handlers/image-upload.ts';
import { registerOs, type InfoStrings, type TaskInfo } from './handlers/os.ts';
import { countDrop, type DeviceSide, type SimLink } from './link.ts';
import {
  bleCapacity,
  SimBluetooth,
  type BleDevice,
  type BleLinkProfile,
  type SimBleLink,
} from './link-ble.ts';
import {
  serialCapacity,
  type SerialDevice,
  type SerialLinkProfile,
  type SimSerialLink,
} from './link-serial.ts';
import { Mcuboot, type BootloaderConfig, type BootResult, type ImageSlots } from './mcuboot.ts';
import { SimSerial } from './serial-port.ts';
import { SmpServer } from './server.ts';
import { now, Timers } from './wire.ts';

export interface DeviceConfig {
  /** Bluetooth name and `info` node name. */
  readonly name: string;
  readonly flash: Omit<FlashGeometry, 'size'> & FlashTiming;
  /** Images (1, or 2 for e.g. application + network core), each with a primary and a secondary slot. */
  readonly images: number;
  readonly slotSize: number;
  /** MCUboot, or null for a device without one (then no image group, as on native_sim). */
  readonly bootloader: BootloaderConfig | null;
  /** CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE and _COUNT. */
  readonly bufSize: number;
  readonly bufCount: number;
  readonly os: {
    readonly params: boolean;
    readonly info: InfoStrings | null;
    /** Bootloader info and mode (MCUMGR_GRP_OS_BOOTLOADER_INFO). */
    readonly bootloaderInfo: boolean;
    readonly tasks: readonly TaskInfo[] | null;
    readonly echoWithoutText: 'empty' | 'einval';
  };
  readonly image: ImageGroupOptions;
  /** MCUMGR_GRP_OS_RESET_MS: the reset answer goes out, the reboot comes this long after. */
  readonly resetMs: number;
  /** From the bootloader handing over to the app answering SMP (kernel init, BLE advertising). */
  readonly appStartMs: number;
  /** Time the SMP thread takes for any request, besides flash work. */
  readonly processMs: number;
  readonly ble: BleLinkProfile | null;
  readonly serial: SerialLinkProfile | null;
  /** Printed on the serial console at each boot. */
  readonly banner: string;
  /** Seeds corruptions and tears. */
  readonly seed: number;
}

export type DeviceState = 'off' | 'booting' | 'running' | 'stuck-in-bootloader';

export interface DeviceEvent {
  readonly at: number;
  readonly what:
    'power-on' | 'reset' | 'power-loss' | 'booted' | 'boot-failed' | 'link-up' | 'link-down';
  readonly detail: string;
}

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
  readonly #links = new Set<SimLink>();
  #state: DeviceState = 'off';
  /** Bumped at every power cut or reboot: work queued before it is abandoned. */
  #epoch = 0;
  #usbGeneration = 0;
  #buffersInUse = 0;
  #queue: Promise<void> = Promise.resolve();
  #flashBusyUntil = 0;
  /** When the SMP work queue finishes what it is doing now. */
  #smpBusyUntil = 0;
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
    const slots: ImageSlots[] = Array.from({ length: config.images }, (_, i) => ({
      primary: { offset: 2 * i * config.slotSize, size: config.slotSize },
      secondary: { offset: (2 * i + 1) * config.slotSize, size: config.slotSize },
    }));
    const { eraseSectorMs, writeByteMs, ...geometry } = config.flash;
    this.flash = new Flash(
      { ...geometry, size: 2 * config.images * config.slotSize },
      { eraseSectorMs, writeByteMs },
    );
    this.server = new SmpServer(config.bufSize);
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
  powerLoss(options: { tear?: boolean; offMs?: number } = {}): void {
    if (this.#state === 'off') return;
    const flashBusy = now() < this.#flashBusyUntil;
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
    this.#buffersInUse = 0;
    this.#queue = Promise.resolve();
    this.#flashBusyUntil = 0;
    this.#smpBusyUntil = 0;
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
    return Math.max(now(), this.#smpBusyUntil);
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
        this.powerLoss({
          ...(fault.tear ? { tear: true } : {}),
          ...(fault.offMs !== undefined ? { offMs: fault.offMs } : {}),
        });
      }
    }
  }

  // --- the SMP thread ---------------------------------------------------------------------------

  receive(packet: Uint8Array, link: SimLink): void {
    if (this.#state !== 'running') return;
    // A packet needs a netbuf until the SMP thread is done with it.
    if (this.#buffersInUse >= this.config.bufCount) return countDrop(link.stats, 'no free netbuf');
    this.#buffersInUse++;
    const epoch = this.#epoch;
    this.#queue = this.#queue.then(async () => {
      try {
        if (epoch === this.#epoch && link.open) await this.#process(packet, link, epoch);
      } finally {
        if (epoch === this.#epoch) this.#buffersInUse--;
      }
    });
  }

  async #process(packet: Uint8Array, link: SimLink, epoch: number): Promise<void> {
    this.#smpBusyUntil = now() + this.config.processMs;
    if (!(await this.#timers.sleep(this.config.processMs))) return;
    await this.server.handlePacket(
      packet,
      (header) => {
        if (this.faults.silent(header)) {
          this.faults.note(
            'silent',
            `request seq ${header.seq} (group ${header.group} command ${header.command}) ignored`,
          );
          return 'skip';
        }
        if (this.faults.busy(header)) {
          this.faults.note('busy', `request seq ${header.seq} answered rc ${MgmtErr.EBUSY} (busy)`);
          return 'busy';
        }
        return 'serve';
      },
      async ({ header, answer, busyMs }) => {
        if (epoch !== this.#epoch) return;
        if (busyMs > 0) {
          this.#flashBusyUntil = now() + busyMs;
          const cut = this.faults.takeFlashPowerLoss();
          if (cut) {
            // The cut lands somewhere inside the flash work.
            await this.#timers.sleep(this.faults.random() * busyMs);
            if (epoch === this.#epoch)
              this.powerLoss({
                ...(cut.tear ? { tear: true } : {}),
                ...(cut.offMs !== undefined ? { offMs: cut.offMs } : {}),
              });
            return;
          }
        }
        const late = this.faults.lateMs(header);
        if (late > 0) this.faults.note('late', `answer to seq ${header.seq} held back ${late} ms`);
        this.#smpBusyUntil = now() + busyMs + late;
        if (!(await this.#timers.sleep(busyMs + late)) || epoch !== this.#epoch || !link.open)
          return;
        // The answer goes out from the SMP thread (uart_mcumgr polls each byte out).
        const leaves = link.send(answer);
        this.#smpBusyUntil = leaves;
        await this.#timers.sleep(leaves - now());
      },
    );
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
      this.#faultTimers.after(fault.afterMs, () =>
        this.powerLoss({
          ...(fault.tear ? { tear: true } : {}),
          ...(fault.offMs !== undefined ? { offMs: fault.offMs } : {}),
        }),
      );
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
