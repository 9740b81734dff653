import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (scripts/install-browser.sh); playwright-core never downloads a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

// Background networking off: this machine's closed network refuses Chromium's own connections, many at a time.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless Chromium with a new empty profile (removed by the caller), Chinese locale, desktop-sized window, in
 * this machine's time zone unless `timezoneId` names another.
 */
export async function launchChromium(
  options: { timezoneId?: string } = {},
): Promise<{ context: BrowserContext; profileDir: string }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error('Chromium missing: run scripts/install-browser.sh');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  return { context, profileDir: userDataDir };
}
