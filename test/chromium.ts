// The system Chromium the browser tests drive (Debian's package; .ci/run installs it), and the flags this closed network needs.
import { existsSync } from 'node:fs';

/** Debian's chromium, or RNN_PARITY_CHROMIUM. */
export const CHROMIUM = process.env.RNN_PARITY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The machine's network is closed: without the background-networking flags Chromium keeps opening
 * connections that are refused. Root needs --no-sandbox.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** @throws Error with the install command when there is no Chromium. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set RNN_PARITY_CHROMIUM)`);
  return CHROMIUM;
}
