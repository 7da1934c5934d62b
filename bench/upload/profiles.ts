/**
 * The link and buffer profiles the upload benchmark measures (issue 5, item
 * 8): Bluetooth LE over MTU × connection interval × packets per event ×
 * buf_size × buf_count × reassembly, and UARTs over baud × buf_size. Every
 * device is the nRF52840 profile (its flash timing, SMP thread and image
 * check), with the link and buffers of the case.
 */
import {
  BLE_FAST,
  deviceProfile,
  UART_115200,
  type BleLinkProfile,
  type DeviceConfig,
} from '../../src/sim/index.ts';

export const MTUS = [23, 185, 247, 498] as const;
export const INTERVALS_MS = [7.5, 15, 30] as const;
export const PACKETS_PER_EVENT = [2, 3, 4, 5, 6] as const;
export const BLE_BUF_SIZES = [384, 1024, 2475] as const;
export const BUF_COUNTS = [1, 4] as const;
export const BAUDS = [115_200, 921_600] as const;
export const SERIAL_BUF_SIZES = [384, 1024, 2048] as const;

export interface BleParams {
  readonly link: 'ble';
  readonly mtu: number;
  /**
   * LL payload octets: 27 at MTU 23 (a phone's link before negotiation: 1M
   * PHY, no Data Length Extension, as BLE_MINIMAL), 251 above (a host that
   * negotiates a larger MTU negotiates DLE too, as BLE_FAST).
   */
  readonly dataLength: number;
  readonly intervalMs: number;
  readonly packetsPerEvent: number;
  readonly bufSize: number;
  readonly bufCount: number;
  readonly reassembly: boolean;
}

export interface SerialParams {
  readonly link: 'serial';
  readonly baud: number;
  readonly bufSize: number;
  readonly bufCount: number;
  /** Zephyr's CONFIG_UART_MCUMGR_RX_BUF_COUNT default; no flow control on a UART. */
  readonly rxLineBuffers: number;
}

export type Params = BleParams | SerialParams;

export interface Profile {
  readonly name: string;
  readonly params: Params;
  readonly config: DeviceConfig;
  /** The reference Bluetooth profile, held to efficiency ≥ 0.85. */
  readonly reference: boolean;
}

type BleKnobs = Omit<BleParams, 'link' | 'dataLength'>;

export const REFERENCE: BleKnobs = {
  mtu: 247,
  intervalMs: 15,
  packetsPerEvent: 4,
  bufSize: 2475,
  bufCount: 4,
  reassembly: true,
};

/** The buffers and timing the grids hold still while the other knobs vary. */
const BUFFERS_AT = { intervalMs: 15, packetsPerEvent: 4 } as const;

function bleProfile(k: BleKnobs): Profile {
  const params: BleParams = { link: 'ble', ...k, dataLength: k.mtu > 23 ? 251 : 27 };
  const ble: BleLinkProfile = {
    ...BLE_FAST,
    mtu: k.mtu,
    intervalMs: k.intervalMs,
    packetsPerEvent: k.packetsPerEvent,
    dataLength: params.dataLength,
    reassembly: k.reassembly,
  };
  const reference = (Object.keys(REFERENCE) as (keyof BleKnobs)[]).every(
    (key) => REFERENCE[key] === k[key],
  );
  return {
    name:
      `BLE MTU ${k.mtu} ${params.dataLength === 251 ? 'DLE' : '27B'} ${k.intervalMs}ms ` +
      `${k.packetsPerEvent}pk buf ${k.bufSize}x${k.bufCount} ${k.reassembly ? 'reasm' : 'no-reasm'}`,
    params,
    config: {
      ...deviceProfile('nrf52840-ble'),
      bufSize: k.bufSize,
      bufCount: k.bufCount,
      ble,
      serial: null,
    },
    reference,
  };
}

export type Design = 'covering' | 'full';

/**
 * Bluetooth profiles. `full`: the whole product (720). `covering`: every
 * MTU × interval × packets at the reference buffers (60), every buf_size ×
 * buf_count × reassembly at each MTU at 15 ms / 4 packets (48), 104 distinct
 * with the reference among them.
 */
export function bleProfiles(design: Design): Profile[] {
  const knobs: BleKnobs[] = [];
  const ref = { bufSize: REFERENCE.bufSize, bufCount: REFERENCE.bufCount, reassembly: true };
  for (const mtu of MTUS) {
    for (const intervalMs of INTERVALS_MS) {
      for (const packetsPerEvent of PACKETS_PER_EVENT) {
        const timing = { mtu, intervalMs, packetsPerEvent };
        if (design === 'covering') {
          knobs.push({ ...timing, ...ref });
          continue;
        }
        for (const bufSize of BLE_BUF_SIZES)
          for (const bufCount of BUF_COUNTS)
            for (const reassembly of [true, false])
              knobs.push({ ...timing, bufSize, bufCount, reassembly });
      }
    }
  }
  if (design === 'covering') {
    for (const mtu of MTUS)
      for (const bufSize of BLE_BUF_SIZES)
        for (const bufCount of BUF_COUNTS)
          for (const reassembly of [true, false])
            knobs.push({ mtu, ...BUFFERS_AT, bufSize, bufCount, reassembly });
  }
  const seen = new Set<string>();
  return knobs.map(bleProfile).filter((p) => !seen.has(p.name) && Boolean(seen.add(p.name)));
}

/** UART profiles: Zephyr's UART console (2 line buffers, no flow control), 4 netbufs. */
export function serialProfiles(): Profile[] {
  const profiles: Profile[] = [];
  for (const baud of BAUDS) {
    for (const bufSize of SERIAL_BUF_SIZES) {
      const serial = { ...UART_115200, baud };
      profiles.push({
        name: `UART ${baud} buf ${bufSize}x4`,
        params: { link: 'serial', baud, bufSize, bufCount: 4, rxLineBuffers: serial.rxLineBuffers },
        config: { ...deviceProfile('usb-cdc'), bufSize, bufCount: 4, ble: null, serial },
        reference: false,
      });
    }
  }
  return profiles;
}
