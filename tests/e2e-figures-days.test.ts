/**
 * The 医保办 figures page counts days as the sidecar does, in China's time, whatever zone the browser is in: a
 * vendor's test machine abroad, or a CI runner in UTC between 16:00 and 24:00, must not lose today's reminders
 * from the default range. Real Chromium, with its clock and time zone set.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../examples/web-his/demo-server.mjs';
import { launchChromium } from './support/chromium';

let demo: Awaited<ReturnType<typeof startDemoServer>>;

beforeAll(async () => {
  // No sidecar: only the page's default range is read, which is set before the figures are asked for.
  demo = await startDemoServer({ sidecarUrl: 'http://127.0.0.1:9' });
});
afterAll(async () => {
  await demo.close();
});

describe('the figures page', () => {
  it('defaults to the 30 days ending today in China, not today where the browser is', async () => {
    // 2026-03-16 02:30 in Shanghai is still 2026-03-15 06:30 at UTC−12.
    const { context, profileDir } = await launchChromium({ timezoneId: 'Etc/GMT+12' });
    try {
      const page = await context.newPage();
      await page.clock.setFixedTime(new Date('2026-03-15T18:30:00Z'));
      await page.goto(`${demo.url}/figures.html`);
      await page.waitForFunction(() => (document.getElementById('to') as HTMLInputElement).value !== '');
      expect(await page.evaluate(() => new Date().getDate())).toBe(15); // the browser's own day
      expect(await page.inputValue('#to')).toBe('2026-03-16');
      expect(await page.inputValue('#from')).toBe('2026-02-15');
    } finally {
      await context.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  }, 60_000);
});
