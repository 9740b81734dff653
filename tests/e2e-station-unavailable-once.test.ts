/**
 * 「医保提醒暂不可用」 is news when the sidecar goes away and when it comes back, not after every edit in between: the
 * demo station in real headless Chromium, its real sidecar killed (SIGKILL) and started again on the same port, every
 * live region of the page (the station's status line, the widget's notice and announcer) listened to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';

const repoRoot = path.resolve(import.meta.dirname, '..');

let stack: DemoStack;
const replacements: { sidecar: RunningSidecar; dir: string }[] = [];

beforeAll(async () => {
  stack = await startDemoStack('unavailable-once');
}, 120_000);

afterAll(async () => {
  for (const { sidecar, dir } of replacements) {
    if (sidecar.child.exitCode === null) await sidecar.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await stack?.stop();
});

/**
 * Records what each live region would say: a region speaks when its text is written (a screen reader announces the
 * new text, the same text included), so each mutation batch that touches a region counts once, with its text then.
 */
function listen(page: Page): Promise<void> {
  return page.evaluate(() => {
    const heard: { region: string; text: string }[] = [];
    (window as unknown as { heard: typeof heard }).heard = heard;
    const regionOf = (node: Node | null): Element | null => {
      for (let at: Node | null = node; at; at = at.parentNode) {
        if (!(at instanceof Element)) continue;
        const live = at.getAttribute('aria-live');
        const role = at.getAttribute('role');
        if ((live && live !== 'off') || role === 'status' || role === 'alert') return at;
      }
      return null;
    };
    const observer = new MutationObserver((records) => {
      const touched = new Set<Element>();
      for (const record of records) {
        const region = regionOf(record.target);
        if (region) touched.add(region);
      }
      for (const region of touched) {
        if ((region as HTMLElement).hidden) continue;
        heard.push({ region: region.id || region.className, text: region.textContent ?? '' });
      }
    });
    const options = { subtree: true, childList: true, characterData: true };
    observer.observe(document.body, options);
    observer.observe(document.querySelector('prealert-reminder')!.shadowRoot!, options);
  });
}

const heard = (page: Page) =>
  page.evaluate(() => (window as unknown as { heard: { region: string; text: string }[] }).heard);

/** How often each region said the sidecar is unavailable. */
async function unavailableSaid(page: Page): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { region, text } of await heard(page)) {
    if (text.includes('暂不可用')) counts[region] = (counts[region] ?? 0) + 1;
  }
  return counts;
}

/** Saves once the analysis of the last edit is over (the station refuses to save while it is checking). */
async function saveWhenChecked(page: Page): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await page.locator('#save').click();
    const message = (await page.locator('#save-msg').textContent()) ?? '';
    if (!message.startsWith('正在检查')) return message;
    await page.waitForTimeout(150);
  }
  throw new Error('the analysis did not end');
}

async function editQuantity(page: Page, value: string): Promise<void> {
  await page.locator('input[aria-label="葡萄糖测定 数量"]').fill(value);
  await page.keyboard.press('Tab');
}

async function restartSidecar(port: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-unavailable-once-'));
  const sidecar = await startSidecar({
    cli: path.join(repoRoot, 'sidecar/dist/cli.js'),
    port,
    dataDir: dir,
    corsOrigins: [stack.demo.url],
  });
  replacements.push({ sidecar, dir });
}

describe('the sidecar unavailable', () => {
  it('is announced when it goes away and when it is back, not after every edit', async () => {
    const page = await stack.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await openStation(page, stack.demo.url);
    await page.locator('#demo-fill').click();
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'));
    await listen(page);
    const port = new URL(stack.sidecar.url).port;

    stack.sidecar.child.kill('SIGKILL');
    for (const [n, value] of ['2', '3', '4', '5'].entries()) {
      await editQuantity(page, value);
      expect(await saveWhenChecked(page)).toBe('医嘱已保存（演示，不写入任何系统）。'); // fail-open
      if (n === 0) expect(await unavailableSaid(page)).toEqual({ 'check-status': 1, 'notice down': 1 });
    }
    // Four edits with the sidecar away: each region said so once, when it went away.
    expect(await unavailableSaid(page)).toEqual({ 'check-status': 1, 'notice down': 1 });
    expect(await page.locator('#check-status').textContent()).toBe(
      '医保提醒暂不可用（无法连接本机医保提醒服务），不影响开立',
    );
    expect(await page.locator('prealert-reminder .notice').textContent()).toBe('医保提醒暂不可用，不影响继续开立');

    // Back: the next edit is checked and its warnings announced; the sidecar going away again is news again.
    await restartSidecar(port);
    await editQuantity(page, '1');
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'), null, {
      timeout: 10_000,
    });
    expect((await heard(page)).some((h) => h.region === 'check-status' && h.text.includes('4 条提醒'))).toBe(true);
    replacements.at(-1)!.sidecar.child.kill('SIGKILL');
    for (const value of ['2', '3']) {
      await editQuantity(page, value);
      await saveWhenChecked(page);
    }
    expect(await unavailableSaid(page)).toEqual({ 'check-status': 2, 'notice down': 2 });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
