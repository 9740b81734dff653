/**
 * The 继续执行 reason on <prealert-reminder>'s cards, on the demo's minimal host page (examples/web-his/public/embed.html)
 * in real headless Chromium against the real sidecar: what the card says it needs, and what happens to a long reason.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('reason-form');
}, 120_000);

afterAll(() => stack?.stop());

async function openEmbed(page: Page): Promise<void> {
  await page.goto(`${stack.demo.url}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  await page.locator('prealert-reminder li.card').nth(1).waitFor();
}

describe('a warning that needs a reason (wf_impact reason)', () => {
  it('says a quick reason or a text will do, as either does', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page);
    const card = page.locator('prealert-reminder li.card').first();
    expect(await card.locator('.impact').textContent()).toBe('继续执行须选择或填写理由');
    await page.keyboard.press('F8');
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    expect(await card.locator('.chosen').textContent()).toBe('已选择：继续执行（临床必需）');
    await page.close();
  }, 60_000);
});
