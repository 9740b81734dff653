import type { Page } from 'playwright-core';

/**
 * The demo's embed page (examples/web-his embed.html) with its two warnings (药品限就医方式, 药品区分性别使用)
 * shown; returns its task_id.
 */
export async function openEmbed(page: Page, demoUrl: string): Promise<string> {
  await page.goto(`${demoUrl}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  await page.locator('prealert-reminder li.card').nth(1).waitFor();
  return page.evaluate(() => document.body.dataset.taskId!);
}
