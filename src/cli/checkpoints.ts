/**
 * Where the CLI keeps update checkpoints, and what it calls a device: the
 * serial port's path (a stable /dev/serial/by-id/… path is the better name).
 * FIELDFLASH_STATE_DIR overrides the directory (tests, several users).
 * @module
 */
import { resolve } from 'node:path';
import type { CheckpointStore } from '../core/update/index.ts';
import { defaultCheckpointDir, fileCheckpointStore } from '../store/checkpoints-file.ts';

export function cliCheckpointStore(env: NodeJS.ProcessEnv = process.env): CheckpointStore {
  const dir = env['FIELDFLASH_STATE_DIR'];
  return fileCheckpointStore(dir ? resolve(dir, 'checkpoints') : defaultCheckpointDir(env));
}

export function serialIdentity(port: string): string {
  return `serial:${resolve(port)}`;
}
