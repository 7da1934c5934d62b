/**
 * The device simulator: a Zephyr SMP server with MCUboot slots on a flash
 * model, Bluetooth LE and serial link models whose host sides look like the
 * browser APIs, and fault injection. Runs in virtual time (fake timers) for
 * tests and benchmarks, in real time for the demo and `fieldflash sim`.
 * @module
 */
export {
  SimulatedDevice,
  type DeviceConfig,
  type DeviceEvent,
  type DeviceState,
} from './device.ts';
export { FaultPlan, seededRandom, type Fault, type InjectedFault } from './faults.ts';
export { Flash, type FlashGeometry, type FlashTiming } from './flash.ts';
export type { LinkCapacity, LinkStats, SimLink } from './link.ts';
export { bleCapacity, SimBleLink, type BleLinkProfile } from './link-ble.ts';
export { SimBluetooth, SimBluetoothDevice } from './bluetooth-host.ts';
export { serialCapacity, SimSerialLink, type SerialLinkProfile } from './link-serial.ts';
export { Mcuboot, type BootloaderConfig, type BootResult } from './mcuboot.ts';
export {
  BLE_FAST,
  BLE_MINIMAL,
  deviceProfile,
  PROFILE_NAMES,
  UART_115200,
  USB_CDC,
  type ProfileName,
} from './profiles.ts';
export { SimSerial, SimSerialPort } from './serial-port.ts';
export { SmpServer } from './server.ts';
