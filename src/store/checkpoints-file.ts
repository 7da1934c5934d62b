/**
 * Update checkpoints for the CLI: one JSON file per device and image in a
 * directory (by default `$XDG_STATE_HOME/fieldflash/checkpoints`, else
 * `~/.local/state/fieldflash/checkpoints`). Each write goes to a temporary
 * file renamed over the old one, so a power cut or ^C mid-write leaves the
 * previous record, never half of one.
 * @module
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointStore, UpdateCheckpoint } from '../core/update/index.ts';

export function defaultCheckpointDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'fieldflash', 'checkpoints');
}

/** A key (device identity + image) as a file name: every character outside [A-Za-z0-9._-] escaped. */
export function checkpointFileName(key: string): string {
  return `${key.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}.json`;
}

export function fileCheckpointStore(dir: string): CheckpointStore {
  const path = (key: string) => join(dir, checkpointFileName(key));
  return {
    async get(key) {
      let text: string;
      try {
        text = await readFile(path(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // Not JSON: handed on as text, which the engine discards as no checkpoint.
        return text;
      }
    },
    async set(key, value: UpdateCheckpoint) {
      await mkdir(dir, { recursive: true });
      const tmp = `${path(key)}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
      await rename(tmp, path(key));
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
  };
}
