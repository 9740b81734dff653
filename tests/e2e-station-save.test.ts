/**
 * When the demo doctor station lets a prescription be saved: only once every warning shown is answered 继续执行 and
 * the sidecar did not refuse the answer. A 返回修改 means the order must change first, and answers only the analysis
 * it was given on (as <prealert-reminder> counts it); a refused 3103 is no answer. Real headless Chromium against
 * the real sidecar.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';
import { continueRules, save } from './support/demo-station';
import { feedbackDrained } from './support/pending-feedback';

const repoRoot = path.resolve(import.meta.dirname, '..');

let stack: DemoStack;
let replacement: RunningSidecar | undefined;
let replacementDir = '';

beforeAll(async () => {
  stack = await startDemoStack('save');
}, 120_000);

afterAll(async () => {
  await replacement?.stop();
  await stack?.stop();
  if (replacementDir) fs.rmSync(replacementDir, { recursive: true, force: true });
});

const status = (page: Page, text: string) =>
  page.waitForFunction((t) => document.querySelector('#check-status')?.textContent?.includes(t), text, {
    timeout: 10_000,
  });

async function nextAnalysis(page: Page, edit: () => Promise<void>, warnings: number): Promise<void> {
  const task = await page.evaluate(() => document.body.dataset.taskId);
  await edit();
  await page.waitForFunction((t) => document.body.dataset.taskId !== t, task, { timeout: 10_000 });
  await status(page, `${warnings} 条提醒`);
}

describe('saving a prescription on the demo station', () => {
  it('is refused while a warning is sent back unchanged or answered with a refused 3103', async () => {
    const page = await stack.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await openStation(page, stack.demo.url);
    await page.locator('#demo-fill').click();
    await status(page, '4 条提醒');

    // 继续执行 on three warnings; 返回修改 (M, keyboard) on the child-only suppository.
    expect(
      await continueRules(page, ['药品限就医方式', '医疗服务项目重复收费', '药品区分性别使用'], '临床必需'),
    ).toEqual(['ok', 'ok', 'ok']);
    await page.locator('prealert-reminder li.card', { hasText: '药品儿童专用' }).focus();
    await page.keyboard.press('m');
    await feedbackDrained(page, 10_000);
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 4/4');
    const sentBack = await save(page);
    expect(sentBack).toContain('未保存');
    expect(sentBack).toContain('1 条已选择返回修改');

    // The doctor changes only the quantity: the next analysis still finds the warning, which is open again.
    await nextAnalysis(
      page,
      async () => {
        await page.locator('input[aria-label="小儿布洛芬栓 数量"]').fill('2');
        await page.keyboard.press('Tab');
      },
      4,
    );
    // The edit took the last save's words away: they were about the order before it.
    expect(await page.locator('#save-msg').textContent()).toBe('');
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 3/4');
    const unchanged = await save(page);
    expect(unchanged).toContain('未保存');
    expect(unchanged).toContain('1 条医保提醒未处理');

    // The line goes: every warning left is continued and recorded, and the prescription is saved.
    await nextAnalysis(page, () => page.locator('button[aria-label="删除 小儿布洛芬栓"]').click(), 3);
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 3/3');
    expect(await save(page)).toBe('医嘱已保存（演示，不写入任何系统）。');

    // The workstation's sidecar is reinstalled with a fresh data dir while the page stays open: it no longer
    // knows the warnings shown and refuses the doctor's changed answer (未知的提醒结果ID).
    const port = new URL(stack.sidecar.url).port;
    await stack.sidecar.stop();
    replacementDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-save-fresh-'));
    replacement = await startSidecar({
      cli: path.join(repoRoot, 'sidecar/dist/cli.js'),
      port,
      dataDir: replacementDir,
      corsOrigins: [stack.demo.url],
    });
    expect(await continueRules(page, ['药品区分性别使用'], '已知情同意')).toEqual(['ok']);
    await feedbackDrained(page, 10_000);
    const sex = page.locator('prealert-reminder li.card', { hasText: '药品区分性别使用' });
    expect(await sex.locator('.state').textContent()).toMatch(/^未能记录/);
    expect(
      await page.locator('tr[data-rx-id]', { hasText: '他达拉非片' }).locator('.warn-cell').textContent(),
    ).toContain('处理未被接受');
    const refused = await save(page);
    expect(refused).toContain('未保存');
    expect(refused).toContain('1 条处理未被医保提醒服务接受');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('takes 「医嘱已保存」 away when a line is added after the save', async () => {
    // 王小宝 (5 years): the children's suppository and the glucose test raise nothing, so only the words can mislead.
    const page = await stack.context.newPage();
    await openStation(page, stack.demo.url);
    await page.locator('#patient').selectOption('DEMO-P003');
    const add = async (item: string) => {
      await page.locator('#entry-item').fill(item);
      await page.keyboard.press('Enter');
    };
    await add('小儿布洛芬栓');
    await status(page, '未发现问题');
    expect(await save(page)).toBe('医嘱已保存（演示，不写入任何系统）。');

    const task = await page.evaluate(() => document.body.dataset.taskId);
    await add('葡萄糖测定');
    await page.waitForFunction((t) => document.body.dataset.taskId !== t, task, { timeout: 10_000 });
    expect(await page.locator('#save-msg').textContent()).toBe('');
    await page.close();
  }, 30_000);
});
