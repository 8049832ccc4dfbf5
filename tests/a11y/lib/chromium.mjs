/**
 * Headless Chromium for the checks: the system browser, never one that a package downloads.
 */

import { chromium } from 'playwright-core';

/** Path of the browser; CHROME_PATH overrides it, as it does for Lighthouse. */
export const CHROMIUM_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

/**
 * Flags that keep Chromium off the network and working as root in a container. Without the
 * background-networking, component-update and sync flags it contacts Google services at start.
 * Lighthouse gets these too; playwright-core adds --headless and a temporary profile itself.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium through playwright-core. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
}
