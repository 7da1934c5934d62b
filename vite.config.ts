/// <reference types="vitest/config" />
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    preact(),
    // Installable and offline (README "Install and offline"). Only `vite build`
    // makes a service worker: `npm start` (the dev server) never registers one,
    // so development never serves stale cached code.
    VitePWA({
      // A new app version waits until the user says "Reload to update"
      // (src/app/pwa.ts refuses while a firmware update runs).
      registerType: 'prompt',
      // Workbox's production runtime even when a test builds under NODE_ENV=test.
      mode: 'production',
      // src/app/pwa.ts registers it itself, after the app has rendered, so the
      // registration code stays out of the first load and the prompt is ours.
      injectRegister: false,
      // globPatterns below already take every icon.
      includeManifestIcons: false,
      manifest: {
        name: 'fieldflash',
        short_name: 'fieldflash',
        description:
          'Verify signed MCUboot firmware and update devices over Web Bluetooth and Web Serial, also offline.',
        lang: 'en',
        // The colours of src/ui/styles.css: --good and the page background.
        theme_color: '#0f5132',
        background_color: '#f8f9fa',
        display: 'standalone',
        // Relative to the manifest, which sits at the app's base: the same
        // build works at / or under any sub-path.
        start_url: '.',
        scope: '.',
        categories: ['utilities', 'developer'],
        // Drawn by scripts/make-icons.mjs (npm run icons) from favicon.svg's shapes.
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          {
            src: 'icons/maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
          { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The whole app shell, lazily loaded chunks included (the demo
        // device, crypto), the icons and the demo samples, so everything works
        // offline after the first visit. Source maps stay out; the plugin adds
        // the manifest itself.
        globPatterns: ['**/*.{js,css,html,svg,png,bin}'],
        navigateFallback: 'index.html',
        // The first visit is controlled at once (its later lazy imports come
        // from the cache); updates still wait for consent (no skipWaiting).
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
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
