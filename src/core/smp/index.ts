/**
 * mcumgr SMP: header, CBOR bodies, typed requests and answers, errors, and the
 * serial and BLE framings. Pure: no I/O, no timers.
 * @module
 */
export * from './cbor.ts';
export * from './errors.ts';
export * from './frame.ts';
export * from './framing/ble.ts';
export * from './framing/serial.ts';
export * from './header.ts';
export * from './ids.ts';
export * as image from './messages/image.ts';
export * as os from './messages/os.ts';
export type { BootloaderMode, McumgrParams } from './messages/os.ts';
export type {
  FirstChunk,
  ImageSlotState,
  ImageStateList,
  SlotInfo,
  UploadAnswer,
} from './messages/image.ts';
export { parseDeviceVersion } from './messages/image.ts';
export type { SmpRequest } from './request.ts';
export { checkAnswer } from './response.ts';
export { Fields, SmpShapeError } from './shape.ts';
export * from './chunking.ts';
