/**
 * The expert panel's single requests to a connected device: the raw image
 * list, echo, mark the update slot for test, confirm the running image,
 * reset, erase the update slot (which also forgets this device's update
 * checkpoint: what it described is gone). Each opens a connection, asks,
 * and closes it again.
 * @module
 */
import { bytesToHex } from '../core/bytes.ts';
import { image, os } from '../core/smp/index.ts';
import { checkpointKey } from '../core/update/index.ts';
import type { ConnectedDevice } from './device-link.ts';
import { checkpointStoreFor } from './update-run.ts';

export type ExpertAction = 'list' | 'echo' | 'test' | 'confirm' | 'reset' | 'erase';

export async function expertRequest(
  device: ConnectedDevice,
  action: ExpertAction,
): Promise<string> {
  const client = await device.connector.connect();
  try {
    switch (action) {
      case 'list': {
        const list = await client.request(image.imageState());
        return JSON.stringify(
          list.images.map((s) => ({ ...s, hash: s.hash ? bytesToHex(s.hash) : null })),
          null,
          2,
        );
      }
      case 'echo':
        return `echo: ${await client.request(os.echo('fieldflash'))}`;
      case 'test': {
        const list = await client.request(image.imageState());
        const waiting = list.images.find((s) => !s.active && s.hash);
        if (!waiting?.hash) return 'No image in the update slot to test.';
        await client.request(image.imageTest(waiting.hash));
        return `Marked ${waiting.version} for a test boot at the next reset.`;
      }
      case 'confirm':
        await client.request(image.imageConfirm());
        return 'The running image is confirmed.';
      case 'reset':
        await client.request(os.reset());
        return 'Reset requested: the device restarts now.';
      case 'erase': {
        await client.request(image.imageErase(), { timeoutMs: 60_000 });
        await checkpointStoreFor(device)
          .delete(checkpointKey(device.connector.identity, 0))
          .catch(() => undefined);
        return 'The update slot is erased.';
      }
    }
  } finally {
    await client.close();
  }
}
