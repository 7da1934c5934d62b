/**
 * "Devices done this shift": a count of successful updates kept in
 * localStorage for the day, so a technician updating a row of devices sees
 * how far they are, across reloads. A new day starts a new shift.
 * @module
 */
const KEY = 'fieldflash.shift';

interface Shift {
  readonly day: string;
  readonly count: number;
}

const today = () => new Date().toISOString().slice(0, 10);

function read(): Shift {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const v = raw ? (JSON.parse(raw) as Partial<Shift>) : null;
    if (v && v.day === today() && Number.isSafeInteger(v.count)) return v as Shift;
  } catch {
    // Private mode or a garbled value: start from zero.
  }
  return { day: today(), count: 0 };
}

export function devicesThisShift(): number {
  return read().count;
}

export function countUpdatedDevice(): number {
  const next = { day: today(), count: read().count + 1 };
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(next));
  } catch {
    // Not stored: the count still shows for this page.
  }
  return next.count;
}
