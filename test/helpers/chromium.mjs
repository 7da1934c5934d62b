// Where Debian's Chromium lives and the flags it runs headless with here
// (../shared/research/browser-testing.md §0): without the background-networking
// flags Chromium keeps dialling out on this closed network. Shared by the
// browser tests and the benchmarks.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
