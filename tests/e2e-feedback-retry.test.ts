/**
 * The doctor station when the workstation's sidecar hangs, in real headless Chromium: prescribing goes on
 * (fail-open), a decision made meanwhile is kept and retried, and it reaches the sidecar once it answers again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { feedbackDrained, pendingFeedbackOf } from './support/pending-feedback';

const repoRoot = path.resolve(import.meta.dirname, '..');
const artifacts = path.join(repoRoot, 'artifacts');

let stack: DemoStack;
let demo: DemoStack['demo'];
let sidecar: DemoStack['sidecar'];
let context: DemoStack['context'];

beforeAll(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  stack = await startDemoStack('retry');
  ({ demo, sidecar, context } = stack);
}, 120_000);

afterAll(() => stack?.stop());

const cardState = (page: Page) => page.locator('prealert-reminder li.card').first().locator('.state').textContent();

describe('sidecar hangs while the doctor works', () => {
  it('keeps prescribing going and delivers the decision made meanwhile', async () => {
    const page = await context.newPage();
    await page.goto(`${demo.url}/`);
    await page.locator('#demo-fill').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'));
    const taskId = await page.evaluate(() => document.body.dataset.taskId ?? '');
    // The element's 3103 budget is the shim's and the SDK's 800 ms by default.

    sidecar.child.kill('SIGSTOP');
    try {
      await page.keyboard.press('F8');
      await page.keyboard.press('m');
      await page.waitForFunction(() =>
        document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.queued'),
      );
      expect(await cardState(page)).toMatch(/^未送达，自动重试中/);

      // Prescribing goes on: the next edit is analysed, times out and the station says so without blocking.
      await page.locator('#entry-item').focus();
      await page.keyboard.type('地屈孕酮片');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('不可用'), null, {
        timeout: 10_000,
      });
      expect(await page.locator('#order-rows tr[data-rx-id]').count()).toBe(6);
      expect(await page.locator('prealert-reminder .notice').textContent()).toBe('医保提醒暂不可用，不影响继续开立');
      await page.screenshot({ path: path.join(artifacts, 'e2e-09-sidecar-hung.png'), fullPage: true });
      expect(await pendingFeedbackOf(page)).toBe(1);
    } finally {
      sidecar.child.kill('SIGCONT');
    }

    await feedbackDrained(page, 15_000);
    const task = (await (await fetch(`${sidecar.url}/v1/tasks/${encodeURIComponent(taskId)}`)).json()) as {
      results: { jr_id: string; rule_name: string }[];
      dispositions: Record<string, { dspo_way: string }>;
    };
    const amino = task.results.find((r) => r.rule_name === '药品限就医方式')!;
    expect(task.dispositions[amino.jr_id]).toMatchObject({ dspo_way: '2' });
    await page.close();
  }, 60_000);
});
