/// <reference types="vitest/config" />
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [preact()],
  build: {
    // dist/cli holds the CLI bundle; the app gets its own folder so a build does not wipe it.
    outDir: 'dist/app',
    target: 'es2022',
    sourcemap: true,
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The CLI's update checkpoints go to a scratch directory, never the user's state.
    env: { FIELDFLASH_STATE_DIR: join(tmpdir(), `fieldflash-test-state-${process.pid}`) },
  },
});
