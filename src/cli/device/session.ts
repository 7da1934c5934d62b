/**
 * Opening a device over a serial port for one CLI command: transport, client,
 * and (when asked) link negotiation; always closed afterwards.
 * @module
 */
import { negotiateLink, type LinkInfo } from '../../client/link.ts';
import { SmpClient } from '../../client/smp-client.ts';
import { parseBasedInt, str, type OptionSpec, type Parsed } from '../args.ts';
import { UsageError } from '../errors.ts';

export const DEVICE_OPTIONS: OptionSpec = {
  port: { type: 'string', short: 'p' },
  baud: { type: 'string', short: 'b' },
  timeout: { type: 'string' },
};

export const DEVICE_HELP = `  -p, --port PATH     serial port of the device (e.g. /dev/ttyACM0)
  -b, --baud N        baud rate (default 115200)
      --timeout MS    answer timeout per request (default 5000)
      --json          machine-readable output`;

export interface DeviceSession {
  readonly client: SmpClient;
  readonly link: LinkInfo;
}

export async function withDevice<T>(
  command: string,
  values: Parsed['values'],
  run: (session: DeviceSession) => Promise<T>,
): Promise<T> {
  const path = str(values['port']);
  if (!path) throw new UsageError(`${command}: --port PATH is required`);
  const baud = str(values['baud']);
  const timeout = str(values['timeout']);
  const { openNodeSerial } = await import('../../transport/node-serial.ts');
  const transport = await openNodeSerial({
    path,
    ...(baud ? { baudRate: parseBasedInt(baud, `${command}: --baud`) } : {}),
  });
  const client = new SmpClient(
    transport,
    timeout ? { timeoutMs: parseBasedInt(timeout, `${command}: --timeout`) } : {},
  );
  try {
    // One round trip for mcumgr params: every request is then checked against the
    // device's buffer before it is sent, rather than lost to it.
    const link = await negotiateLink(client);
    return await run({ client, link });
  } finally {
    await client.close();
  }
}
