/**
 * Fault injection, scriptable per test: what to break, where and when. Link
 * faults act on link units (a Bluetooth write or notification, a serial
 * line); frame faults on SMP requests; device faults on the whole device.
 * Every injected fault is logged with its time, so a test can show it
 * happened.
 * @module
 */

export type Direction = 'to-device' | 'to-host';

/** Which SMP requests a frame fault applies to (all when empty). */
export interface FrameMatch {
  readonly group?: number;
  readonly command?: number;
  readonly op?: number;
}

export type Fault =
  /** A Bluetooth write/notification or serial line: lost, sent twice, a byte flipped, or swapped with the next. */
  | {
      readonly kind: 'drop' | 'duplicate' | 'corrupt' | 'reorder';
      readonly direction: Direction;
      /** Which unit in that direction (1 = the next one); default 1. */
      readonly nth?: number;
      /** How many consecutive units from there; default 1. */
      readonly count?: number;
    }
  /** The link drops after this many bytes towards the device, or after this time (ms from now). */
  | { readonly kind: 'disconnect'; readonly atByte?: number; readonly afterMs?: number }
  /**
   * The device loses power: RAM state gone, flash kept; with `tear`, the
   * sector being written or erased at that moment is torn. `duringFlash` waits
   * for the next flash operation. It comes back after `offMs` (default: only
   * when the test calls powerOn).
   */
  | {
      readonly kind: 'power-loss';
      readonly atByte?: number;
      readonly afterMs?: number;
      readonly duringFlash?: boolean;
      readonly tear?: boolean;
      readonly offMs?: number;
    }
  /** Flash operations take `factor` times as long. */
  | { readonly kind: 'slow-flash'; readonly factor: number }
  /** Matching requests are answered `{rc: 10}` (EBUSY). */
  | { readonly kind: 'busy'; readonly match?: FrameMatch; readonly count?: number }
  /** Matching answers are held back `delayMs`. */
  | {
      readonly kind: 'late';
      readonly match?: FrameMatch;
      readonly delayMs: number;
      readonly count?: number;
    }
  /** Upload answers report another offset (`off`, or the right one + `delta`). */
  | {
      readonly kind: 'wrong-offset';
      readonly off?: number;
      readonly delta?: number;
      readonly count?: number;
    }
  /** Matching requests get no answer at all. */
  | { readonly kind: 'silent'; readonly match?: FrameMatch; readonly count?: number };

export type LinkAction = 'pass' | 'drop' | 'duplicate' | 'corrupt' | 'reorder';

export interface InjectedFault {
  readonly at: number;
  readonly kind: Fault['kind'];
  readonly detail: string;
}

interface Active {
  readonly fault: Fault;
  /** Units to let pass before acting (link faults). */
  skip: number;
  /** Times left to act; Infinity for "always". */
  left: number;
}

/** mulberry32: a small seeded generator, so corruptions and tears are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  readonly log: InjectedFault[] = [];
  readonly random: () => number;
  #active: Active[] = [];
  /** Called by the device for faults it carries out itself (disconnect, power loss, slow flash). */
  onDeviceFault: ((fault: Fault) => void) | null = null;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  add(fault: Fault): void {
    const count =
      'count' in fault && fault.count !== undefined
        ? fault.count
        : fault.kind === 'silent' || fault.kind === 'late' || fault.kind === 'busy'
          ? Infinity
          : 1;
    const skip = 'nth' in fault && fault.nth !== undefined ? Math.max(0, fault.nth - 1) : 0;
    this.#active.push({ fault, skip, left: count });
    if (
      fault.kind === 'slow-flash' ||
      (fault.kind === 'disconnect' && fault.atByte === undefined) ||
      (fault.kind === 'power-loss' && fault.atByte === undefined)
    ) {
      this.onDeviceFault?.(fault);
    }
  }

  clear(): void {
    this.#active = [];
  }

  /** Called for each fault as it is injected (the CLI prints them). */
  onInjected: ((fault: InjectedFault) => void) | null = null;

  note(kind: Fault['kind'], detail: string): void {
    const entry = { at: Date.now(), kind, detail };
    this.log.push(entry);
    this.onInjected?.(entry);
  }

  /** What to do with the next link unit going `direction`. */
  linkUnit(direction: Direction): LinkAction {
    for (const a of this.#active) {
      const f = a.fault;
      if (
        (f.kind === 'drop' ||
          f.kind === 'duplicate' ||
          f.kind === 'corrupt' ||
          f.kind === 'reorder') &&
        f.direction === direction &&
        a.left > 0
      ) {
        if (a.skip > 0) {
          a.skip--;
          continue;
        }
        a.left--;
        return f.kind;
      }
    }
    return 'pass';
  }

  /** Bytes sent towards the device so far: returns the byte-triggered device faults now due. */
  bytesToDevice(total: number): Fault[] {
    const due: Fault[] = [];
    for (const a of this.#active) {
      const f = a.fault;
      if (
        (f.kind === 'disconnect' || f.kind === 'power-loss') &&
        f.atByte !== undefined &&
        a.left > 0 &&
        total >= f.atByte
      ) {
        a.left = 0;
        due.push(f);
      }
    }
    return due;
  }

  #frameFault<K extends 'busy' | 'late' | 'silent'>(
    kind: K,
    header: { group: number; command: number; op: number },
  ): Extract<Fault, { kind: K }> | null {
    for (const a of this.#active) {
      const f = a.fault;
      if (f.kind !== kind || a.left <= 0) continue;
      const m = (f as { match?: FrameMatch }).match ?? {};
      if (
        (m.group ?? header.group) !== header.group ||
        (m.command ?? header.command) !== header.command ||
        (m.op ?? header.op) !== header.op
      )
        continue;
      a.left--;
      return f as Extract<Fault, { kind: K }>;
    }
    return null;
  }

  silent(header: { group: number; command: number; op: number }): boolean {
    return this.#frameFault('silent', header) !== null;
  }

  busy(header: { group: number; command: number; op: number }): boolean {
    return this.#frameFault('busy', header) !== null;
  }

  lateMs(header: { group: number; command: number; op: number }): number {
    return this.#frameFault('late', header)?.delayMs ?? 0;
  }

  /** The offset an upload answer reports: the right one, or a fault's. */
  uploadOffset(right: number): number {
    for (const a of this.#active) {
      const f = a.fault;
      if (f.kind !== 'wrong-offset' || a.left <= 0) continue;
      a.left--;
      const wrong = f.off ?? Math.max(0, right + (f.delta ?? -1));
      this.note('wrong-offset', `answered off ${wrong} instead of ${right}`);
      return wrong;
    }
    return right;
  }

  /** Whether a power cut waits for the next flash operation. */
  takeFlashPowerLoss(): Extract<Fault, { kind: 'power-loss' }> | null {
    for (const a of this.#active) {
      const f = a.fault;
      if (f.kind === 'power-loss' && f.duringFlash && a.left > 0) {
        a.left = 0;
        return f;
      }
    }
    return null;
  }
}

/**
 * Applies the plan's link faults to the units going one way on one link,
 * holding a unit back for a 'reorder' until the next one has passed.
 */
export class UnitFaults {
  readonly #held: Record<Direction, Uint8Array | null> = { 'to-device': null, 'to-host': null };

  constructor(
    private readonly plan: FaultPlan,
    /** What a unit is called in the log ("write", "serial line"). */
    private readonly names: Record<Direction, string>,
    /** Damages a copy of a unit in place; returns the index changed. */
    private readonly damage: (copy: Uint8Array, random: () => number) => number,
  ) {}

  apply(direction: Direction, unit: Uint8Array): Uint8Array[] {
    const action = this.plan.linkUnit(direction);
    const what = `${this.names[direction]} of ${unit.length} bytes (${direction})`;
    const held = this.#held[direction];
    this.#held[direction] = null;
    const withHeld = (units: Uint8Array[]) => (held ? [...units, held] : units);
    switch (action) {
      case 'pass':
        return withHeld([unit]);
      case 'drop':
        this.plan.note('drop', `${what} lost`);
        return withHeld([]);
      case 'duplicate':
        this.plan.note('duplicate', `${what} delivered twice`);
        return withHeld([unit, unit]);
      case 'corrupt': {
        const copy = Uint8Array.from(unit);
        const i = this.damage(copy, this.plan.random);
        this.plan.note('corrupt', `${what}: byte ${i} changed`);
        return withHeld([copy]);
      }
      case 'reorder':
        this.plan.note('reorder', `${what} held back behind the next one`);
        this.#held[direction] = unit;
        return held ? [held] : [];
    }
  }
}
