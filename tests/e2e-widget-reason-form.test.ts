/**
 * The 继续执行 reason on <prealert-reminder>'s cards, on the demo's minimal host page (examples/web-his/public/embed.html)
 * in real headless Chromium against the real sidecar: what the card says it needs, and what happens to a long reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('reason-form');
}, 120_000);

afterAll(() => stack?.stop());

describe('a warning that needs a reason (wf_impact reason)', () => {
  it('says a quick reason or a text will do, as either does', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const card = page.locator('prealert-reminder li.card').first();
    expect(await card.locator('.impact').textContent()).toBe('继续执行须选择或填写理由');
    await page.keyboard.press('F8');
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    expect(await card.locator('.chosen').textContent()).toBe('已选择：继续执行（临床必需）');
    await page.close();
  }, 60_000);
});

describe('a reason longer than the 500 characters a 3103 keeps', () => {
  it('says it was cut, and counts the characters before the end', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    // Not the first card: the test above continued that one, and the sidecar carries 继续执行 over (prior_dspo).
    const card = page.locator('prealert-reminder li.card', { hasText: '药品区分性别使用' });
    const text = card.locator('input.reason-text');
    const limit = card.locator('.reason-limit');
    await card.focus();
    await page.keyboard.press('c');
    await text.focus();
    await page.keyboard.insertText('患者营养差，已会诊。'.repeat(45)); // 450
    expect((await text.inputValue()).length).toBe(450);
    expect(await limit.textContent()).toBe('450/500 字');
    await text.fill('');
    expect(await limit.isVisible()).toBe(false);
    await page.keyboard.insertText('患者营养差，已会诊。'.repeat(60)); // 600, as pasted
    expect((await text.inputValue()).length).toBe(500);
    expect(await limit.textContent()).toBe('已满 500 字，超出的部分未录入');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card .state.recorded')[1],
    );
    expect(await card.locator('.chosen').textContent()).toBe(
      `已选择：继续执行（${'患者营养差，已会诊。'.repeat(50)}）`,
    );
    await page.close();
  }, 60_000);
});
