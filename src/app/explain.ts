/**
 * Every failure code the engine can end with, as a plain cause and a next
 * step for the person holding the device (the engine's message stays
 * available as the detail). Pure: no browser globals.
 * @module
 */

export interface Explanation {
  readonly title: string;
  readonly next: string;
}

export interface FailureContext {
  /** Percent of the upload the device had confirmed, if the upload had started. */
  readonly percent: number | null;
  readonly link: 'bluetooth' | 'serial' | 'demo';
}

export function explainFailure(code: string, context: FailureContext): Explanation {
  const resume =
    context.percent !== null && context.percent > 0
      ? ` The update will resume at ${context.percent} %.`
      : '';
  const lost =
    context.link === 'bluetooth'
      ? 'Bluetooth link lost — move closer to the device and keep it powered.'
      : context.link === 'serial'
        ? 'Serial link lost — check the cable and that no other program holds the port.'
        : 'The link to the device was lost.';
  switch (code) {
    case 'disconnected':
    case 'link-write-failed':
    case 'timeout':
    case 'upload-stalled':
    case 'device-did-not-return':
      return { title: lost, next: `Connect again and press Update.${resume}` };
    case 'update-cancelled':
      return { title: 'Update cancelled.', next: `Press Update to go on.${resume}` };
    case 'image-rejected':
      return {
        title: 'This image is not genuine firmware for your devices.',
        next: 'Nothing was sent. Get the image from your firmware team again.',
      };
    case 'downgrade-refused':
      return {
        title: 'This image is older than what the device runs.',
        next: 'Pick the newer image, or allow a downgrade if it is really intended.',
      };
    case 'running-version-unknown':
      return {
        title: 'The device does not report a readable version.',
        next: 'Allow a downgrade to send the image anyway, if you are sure it is the right one.',
      };
    case 'image-too-large':
      return {
        title: 'The image does not fit this device.',
        next: 'Check that the image is built for this board.',
      };
    case 'update-not-supported':
      return {
        title: 'This device cannot take the image this way.',
        next: 'See the detail; the device or image needs another procedure.',
      };
    case 'image-reverted':
      return {
        title: 'The device went back to its old firmware.',
        next: 'See the detail for why; the device is safe on its old firmware.',
      };
    case 'slot-mismatch':
    case 'image-not-in-slot':
      return {
        title: 'The image arrived damaged, twice.',
        next: 'Move closer (Bluetooth) or check the cable, then press Update again.',
      };
    case 'device-misbehaved':
    case 'smp-bad-answer':
    case 'device-error':
      return {
        title: 'The device gave an answer fieldflash cannot use.',
        next: 'Restart the device, connect again and retry; if it repeats, report the detail.',
      };
    case 'serial-open-failed':
      return {
        title: 'The serial port could not be opened.',
        next: 'Close other programs using it (a terminal, an IDE monitor), then connect again.',
      };
    case 'frame-too-small':
      return {
        title: 'The link cannot carry update data to this device.',
        next: 'Reconnect; on Bluetooth the device needs a larger MTU or reassembly.',
      };
    default:
      return { title: 'The update stopped.', next: `See the detail, then try again.${resume}` };
  }
}
