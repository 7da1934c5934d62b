/**
 * The device's SMP work queue (Zephyr's `smp_work_queue`): packets wait in
 * netbufs (`buf_count` of them; a packet finding none is dropped), run one at
 * a time, and hold the thread for the handler's flash work and for sending
 * the answer. Request-level faults (silent, busy, late, a power cut during
 * flash work) act here.
 * @module
 */
import { MgmtErr } from '../core/smp/index.ts';
import type { FaultPlan } from './faults.ts';
import { countDrop, type SimLink } from './link.ts';
import type { SmpServer } from './server.ts';
import { now, type Timers } from './wire.ts';

export interface PowerCut {
  readonly tear?: boolean;
  readonly offMs?: number;
}

/** The options of a power-loss fault, as powerLoss takes them. */
export function powerCutOf(fault: { readonly tear?: boolean; readonly offMs?: number }): PowerCut {
  return {
    ...(fault.tear ? { tear: true } : {}),
    ...(fault.offMs !== undefined ? { offMs: fault.offMs } : {}),
  };
}

export interface SmpThreadHost {
  readonly server: SmpServer;
  readonly faults: FaultPlan;
  /** The device's timers: cancelled at a reboot or power cut. */
  readonly timers: Timers;
  readonly processMs: number;
  readonly bufCount: number;
  running(): boolean;
  cutPower(cut: PowerCut): void;
}

export class SmpThread {
  /** Bumped by stop(): work queued before it is abandoned. */
  #epoch = 0;
  #buffersInUse = 0;
  #queue: Promise<void> = Promise.resolve();
  #busyUntil = 0;
  #flashBusyUntil = 0;

  constructor(private readonly host: SmpThreadHost) {}

  /** When the thread will be free (ms); line buffers wait for it too (smp_uart.c). */
  freeAt(): number {
    return Math.max(now(), this.#busyUntil);
  }

  /** Whether a flash operation is under way now (a power cut would tear it). */
  flashBusy(): boolean {
    return now() < this.#flashBusyUntil;
  }

  /** A reboot or power cut: RAM state gone. */
  stop(): void {
    this.#epoch++;
    this.#buffersInUse = 0;
    this.#queue = Promise.resolve();
    this.#busyUntil = 0;
    this.#flashBusyUntil = 0;
  }

  receive(packet: Uint8Array, link: SimLink): void {
    if (!this.host.running()) return;
    // A packet needs a netbuf until the thread is done with it.
    if (this.#buffersInUse >= this.host.bufCount) return countDrop(link.stats, 'no free netbuf');
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
    const { faults, timers } = this.host;
    this.#busyUntil = now() + this.host.processMs;
    if (!(await timers.sleep(this.host.processMs))) return;
    await this.host.server.handlePacket(
      packet,
      (header) => {
        const what = `request seq ${header.seq} (group ${header.group} command ${header.command})`;
        if (faults.silent(header)) {
          faults.note('silent', `${what} ignored`);
          return 'skip';
        }
        if (faults.busy(header)) {
          faults.note('busy', `${what} answered rc ${MgmtErr.EBUSY} (busy)`);
          return 'busy';
        }
        return 'serve';
      },
      async ({ header, answer, busyMs }) => {
        if (epoch !== this.#epoch) return;
        if (busyMs > 0) {
          this.#flashBusyUntil = now() + busyMs;
          const cut = faults.takeFlashPowerLoss();
          if (cut) {
            // The cut lands somewhere inside the flash work.
            await timers.sleep(faults.random() * busyMs);
            if (epoch === this.#epoch) this.host.cutPower(powerCutOf(cut));
            return;
          }
        }
        const late = faults.lateMs(header);
        if (late > 0) faults.note('late', `answer to seq ${header.seq} held back ${late} ms`);
        this.#busyUntil = now() + busyMs + late;
        if (!(await timers.sleep(busyMs + late)) || epoch !== this.#epoch || !link.open) return;
        // The answer goes out from the SMP thread (uart_mcumgr polls each byte out).
        const leaves = link.send(answer);
        this.#busyUntil = leaves;
        await timers.sleep(leaves - now());
      },
    );
  }
}
