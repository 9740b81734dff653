/**
 * The widget's answers kept per encounter: a doctor answers a warning, the HIS empties the panel (clear()) and shows
 * another patient, then comes back to the first. Her 返回修改 answered only the analysis before, so the warning is
 * open again, but it is one to handle again (「需再次处理」, 「上次选择：返回修改」), not 「新增」; also when the other
 * patient's encounter carries the same mdtrt_id (a per-patient 就诊号 "1"); and only for the last 20 encounters shown.
 * The demo's embed page in real headless Chromium against the real sidecar, real codes.
 */
import type { AnalysisInput } from '@prealert/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRequest } from './support/demo-request';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { analyse } from './support/host-analysis';

// Real national codes, for a woman of 36 at an outpatient visit: 复方氨基酸注射液(18AA) (药品限就医方式, 明确违规),
// 他达拉非片 (药品区分性别使用, 高度可疑).
const AMINO_ACIDS = 'XB05BAF150B002010100269';
const TADALAFIL = 'XG04BET001A001010100299';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('answer-memory');
}, 120_000);

afterAll(() => stack?.stop());

/** The embed page, showing the host's own analyses (an encounter of each test's own) instead of its example. */
async function hostPage(): Promise<Page> {
  const page = await stack.context.newPage();
  await page.goto(`${stack.demo.url}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  return page;
}

const announcer = (page: Page) =>
  page.evaluate(
    () => document.querySelector('prealert-reminder')!.shadowRoot!.querySelector('.sr-only')?.textContent ?? '',
  );

const clear = (page: Page) =>
  page.evaluate(() => (document.querySelector('prealert-reminder') as HTMLElement & { clear(): void }).clear());

/** The same request with its encounter numbered `mdtrtId`, as from a HIS whose 就诊号 counts per patient ("1"). */
function numbered(input: AnalysisInput, mdtrtId: string): AnalysisInput {
  const patients = input.data.patient_dtos.map((patient) => ({
    ...patient,
    curr_mdtrt_id: mdtrtId,
    fsi_encounter_dtos: patient.fsi_encounter_dtos.map((encounter) => ({ ...encounter, mdtrt_id: mdtrtId })),
  }));
  return { ...input, data: { ...input.data, patient_dtos: patients } };
}

/** Patient `patient`'s 复方氨基酸注射液 analysed, answered 返回修改 and recorded. */
async function answered(page: Page, patient: string, mdtrtId?: string): Promise<void> {
  const request = demoRequest(patient, `T-${patient}-1`, [{ rxId: 'RX-MEM-1', code: AMINO_ACIDS }]);
  await analyse(page, mdtrtId === undefined ? request : numbered(request, mdtrtId));
  await page.locator('prealert-reminder li.card').first().focus();
  await page.keyboard.press('m');
  await page.locator('prealert-reminder .outcome .state', { hasText: '已记录' }).waitFor({ timeout: 10_000 });
}

/** As answered, then the panel emptied. */
async function answeredThenCleared(page: Page, patient: string, mdtrtId?: string): Promise<void> {
  await answered(page, patient, mdtrtId);
  await clear(page);
}

/** Other patients' encounters shown in between, each with its own warning (他达拉非片). */
async function otherPatients(page: Page, prefix: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await analyse(page, demoRequest(`${prefix}-${i}`, `T-${prefix}-${i}`, [{ rxId: 'RX-OTHER', code: TADALAFIL }]));
  }
  await expect.poll(() => announcer(page)).toContain('新增医保提醒 1 条。高度可疑 1 条');
}

describe('answers kept per encounter', () => {
  it('a warning answered 返回修改, then clear() and another patient shown, is open again, not 「新增」', async () => {
    const page = await hostPage();
    await answeredThenCleared(page, 'MEM-A');
    await otherPatients(page, 'MEM-B', 1);

    // Back to her: the next analysis still finds the warning.
    await analyse(page, demoRequest('MEM-A', 'T-MEM-A-2', [{ rxId: 'RX-MEM-1', code: AMINO_ACIDS }]));
    await expect.poll(() => announcer(page)).toBe('1 条提醒需再次处理。明确违规 1 条');
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 0/1');
    await expect.poll(() => page.locator('prealert-reminder li.card .earlier').isVisible()).toBe(true);
    await page.close();
  }, 60_000);

  it('tells patients apart whose encounters share the mdtrt_id "1": B shown in between does not take A’s answer', async () => {
    const page = await hostPage();
    await answeredThenCleared(page, 'MEM-E', '1');
    await analyse(page, numbered(demoRequest('MEM-F', 'T-MEM-F-1', [{ rxId: 'RX-OTHER', code: TADALAFIL }]), '1'));
    await expect.poll(() => announcer(page)).toBe('新增医保提醒 1 条。高度可疑 1 条');

    await analyse(page, numbered(demoRequest('MEM-E', 'T-MEM-E-2', [{ rxId: 'RX-MEM-1', code: AMINO_ACIDS }]), '1'));
    await expect.poll(() => announcer(page)).toBe('1 条提醒需再次处理。明确违规 1 条');
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 0/1');
    await expect.poll(() => page.locator('prealert-reminder li.card .earlier').isVisible()).toBe(true);
    await page.close();
  }, 60_000);

  it('an answer emptied by a re-analysis with no warnings is kept: the line added back is to handle again', async () => {
    const page = await hostPage();
    await answered(page, 'MEM-G');
    // The doctor took the line out: the host's re-analysis finds nothing.
    await page.evaluate(() =>
      (document.querySelector('prealert-reminder') as HTMLElement & { show(r: unknown[], o: object): void }).show([], {
        infno: '3101',
        taskId: 'T-MEM-G-2',
      }),
    );
    await analyse(page, demoRequest('MEM-G', 'T-MEM-G-3', [{ rxId: 'RX-MEM-1', code: AMINO_ACIDS }]));
    await expect.poll(() => announcer(page)).toBe('1 条提醒需再次处理。明确违规 1 条');
    await expect.poll(() => page.locator('prealert-reminder li.card .earlier').isVisible()).toBe(true);
    await page.close();
  }, 60_000);

  it('is kept with 19 other encounters shown in between: her answer still makes it one to handle again', async () => {
    const page = await hostPage();
    await answeredThenCleared(page, 'MEM-H');
    await otherPatients(page, 'MEM-I', 19);

    await analyse(page, demoRequest('MEM-H', 'T-MEM-H-2', [{ rxId: 'RX-MEM-1', code: AMINO_ACIDS }]));
    await expect.poll(() => announcer(page)).toBe('1 条提醒需再次处理。明确违规 1 条');
    await expect.poll(() => page.locator('prealert-reminder li.card .earlier').isVisible()).toBe(true);
    await page.close();
  }, 90_000);

  it('is bounded: after 20 other encounters the first one is forgotten, and its warning is new again', async () => {
    const page = await hostPage();
    await answeredThenCleared(page, 'MEM-C');
    await otherPatients(page, 'MEM-D', 20);

    await analyse(page, demoRequest('MEM-C', 'T-MEM-C-2', [{ rxId: 'RX-MEM-1', code: AMINO_ACIDS }]));
    await expect.poll(() => announcer(page)).toBe('新增医保提醒 1 条。明确违规 1 条');
    await expect.poll(() => page.locator('prealert-reminder li.card .earlier').isVisible()).toBe(false);
    await page.close();
  }, 90_000);
});
