// Debian's Chromium, never a downloaded browser, with the flags this machine needs: as root in a
// container it needs --no-sandbox; the rest keeps it off the (closed) network.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
