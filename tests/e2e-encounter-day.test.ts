/**
 * The demo doctor station dates a visit as a clinic does: by China's (Asia/Shanghai) calendar day on which the
 * visit began, whatever zone the browser is in and however late the doctor works. The encounter id (mdtrt_id) is
 * part of every jr_id, so a visit whose id followed the browser's clock lost the doctor's answers at midnight.
 * Real Chromium with its time zone and clock set, against the real sidecar.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';
import { feedbackDrained } from './support/pending-feedback';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('encounter-day', { timezoneId: 'Etc/GMT+12' });
}, 120_000);

afterAll(() => stack?.stop());

interface Encounter {
  mdtrt_id: string;
  adm_date: string;
  fsi_order_dtos: { rx_id: string; drord_begn_date: string }[];
}

/** The encounter of every 3101 the page sends, in order. */
function analysesOf(page: Page): Encounter[] {
  const sent: Encounter[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || !request.url().endsWith('/callService')) return;
    const body = JSON.parse(request.postData() ?? '{}') as {
      infno?: string;
      input?: { data: { patient_dtos: { fsi_encounter_dtos: Encounter[] }[] } };
    };
    if (body.infno === '3101' && body.input) sent.push(body.input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!);
  });
  return sent;
}

type Reminder = HTMLElement & {
  currentResults: readonly { jr_id: string; rule_name: string }[];
};

const status = (page: Page, text: string) =>
  page.waitForFunction((t) => document.querySelector('#check-status')?.textContent?.includes(t), text, {
    timeout: 10_000,
  });

describe('the encounter id', () => {
  it('is dated by the day in China, not the day where the browser is', async () => {
    const page = await stack.context.newPage();
    // 2026-03-16 02:30 in Shanghai is still 2026-03-15 06:30 at UTC−12.
    await page.clock.setFixedTime(new Date('2026-03-15T18:30:00Z'));
    const sent = analysesOf(page);
    await openStation(page, stack.demo.url);
    expect(await page.evaluate(() => new Date().getDate())).toBe(15); // the browser's own day

    expect(await page.locator('#patient-info').textContent()).toContain('就诊号 MZ20260316-DEMO-P001');
    await page.keyboard.type('他达拉非片');
    await page.keyboard.press('Enter');
    await status(page, '1 条提醒');
    const encounter = sent.at(-1)!;
    expect(encounter.mdtrt_id).toBe('MZ20260316-DEMO-P001');
    expect(encounter.fsi_order_dtos[0]).toMatchObject({
      rx_id: 'MZ20260316-DEMO-P001-001',
      drord_begn_date: '2026-03-16 02:30:00',
    });
    // A night-clinic visit that began at 02:30 was not admitted at 08:30 the same day.
    expect(encounter.adm_date).toBe('2026-03-16 02:30:00');
    await page.close();
  }, 60_000);

  it("stays the visit's own past midnight, so the answers given before it still apply", async () => {
    const { context, profileDir } = await launchChromium({ timezoneId: 'Asia/Shanghai' });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.clock.setFixedTime(new Date('2026-03-20T15:55:00Z')); // 23:55 in Shanghai
      const sent = analysesOf(page);
      await openStation(page, stack.demo.url);
      await page.locator('#demo-fill').click();
      await status(page, '4 条提醒');
      const jrIds = () =>
        page.evaluate(() =>
          (document.querySelector('prealert-reminder') as Reminder).currentResults.map((r) => r.jr_id).sort(),
        );
      const before = await jrIds();

      // 继续执行 on 药品限就医方式 with quick reason 1, recorded by the sidecar.
      await page.keyboard.press('F8');
      await page.keyboard.press('c');
      await page.keyboard.press('1');
      await page.keyboard.press('Enter');
      await feedbackDrained(page);
      const amino = page.locator('prealert-reminder li.card').filter({ hasText: '药品限就医方式' });
      expect(await amino.locator('.state').textContent()).toBe('已记录');
      const firstTask = await page.evaluate(() => document.body.dataset.taskId);

      // 00:05 the next day: the doctor changes a quantity and the order is checked again.
      await page.clock.setFixedTime(new Date('2026-03-20T16:05:00Z'));
      await page.locator('input[aria-label="他达拉非片 数量"]').fill('2');
      await page.keyboard.press('Tab');
      await page.waitForFunction((task) => document.body.dataset.taskId !== task, firstTask, { timeout: 10_000 });
      await status(page, '4 条提醒');

      const last = sent.at(-1)!;
      expect(last.mdtrt_id).toBe('MZ20260320-DEMO-P001');
      expect(last.fsi_order_dtos[0]!.drord_begn_date).toBe('2026-03-21 00:05:00');
      expect(await page.locator('#patient-info').textContent()).toContain('就诊号 MZ20260320-DEMO-P001');
      expect(await jrIds()).toEqual(before);
      expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 1/4');
      expect(await amino.locator('.state').textContent()).toBe('已记录');
      expect(
        await page.locator('tr[data-rx-id]', { hasText: '复方氨基酸注射液(18AA)' }).locator('.warn-cell').textContent(),
      ).toContain('已继续');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  }, 60_000);
});
