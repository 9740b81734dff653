/**
 * 全部确认 (packages/widget/src/confirm-all.ts) as the doctor meets it: the classic-script bundle on the demo's minimal
 * host page in real headless Chromium, showing the real sidecar's 3101 results for real national codes. The rule, as
 * the code has it: the button (and its key A) is offered while at least two shown warnings are unanswered, ask only for
 * a confirmation (wf_impact confirm or notice) and were not sent back (返回修改) on an earlier analysis; warnings that
 * need a reason or are blocked may be open beside them and are left alone.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueItem } from '../examples/web-his/public/demo-data.js';
import { ALLISARTAN, AMINO_ACIDS, EXENATIDE, LATAMOXEF, womanWithCold } from './support/demo-catalogue';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { outpatientOrders, showOrdersOnEmbed } from './support/embed-page';
import { analyse, type Shown } from './support/host-analysis';
import { feedbackDrained } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('widget-confirm-all');
}, 120_000);

afterAll(() => stack?.stop());

// AMINO_ACIDS (药品限就医方式) needs a reason. For a woman with a cold the 限适应症 drugs ask only for a confirmation.
const CONFIRMED = '已阅知，确认继续';

/** The embed page with the sidecar's answer for `items` prescribed to a patient of the test's own. */
const showOrders = (page: Page, taskId: string, items: readonly CatalogueItem[]): Promise<Shown> =>
  showOrdersOnEmbed(page, stack.demo.url, `CA-${taskId}`, taskId, items);

/** Shows the same results again with some warnings' wf_impact as a province may configure it (by drug name). */
const reconfigure = (page: Page, taskId: string, impacts: Record<string, string>) =>
  page.evaluate(
    ({ taskId, impacts }) => {
      type Result = { jr_id: string; vola_cont: string; wf_impact: string };
      const el = document.querySelector('prealert-reminder') as HTMLElement & {
        currentResults: readonly Result[];
        show(results: readonly Result[], options: Record<string, unknown>): void;
      };
      const results = el.currentResults.map((r) => {
        const name = Object.keys(impacts).find((drug) => r.vola_cont.includes(drug));
        return name ? { ...r, wf_impact: impacts[name]! } : r;
      });
      el.show(results, { infno: '3101', taskId });
    },
    { taskId, impacts },
  );

/** The 全部确认 button's text ('' when hidden) and whether the key hints offer A. */
const offer = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('prealert-reminder')!.shadowRoot!;
    const button = root.querySelector('button.confirm-all') as HTMLButtonElement;
    return {
      button: button.hidden ? '' : (button.textContent ?? ''),
      hinted: (root.querySelector('.hints')?.textContent ?? '').includes('A 全部确认'),
    };
  });

const card = (page: Page, name: string) => page.locator('prealert-reminder li.card', { hasText: name });

describe('when 全部确认 is offered', () => {
  it('from two open confirm-only warnings, with a reason warning open beside them; not for one', async () => {
    const page = await stack.context.newPage();
    const shown = await showOrders(page, 'T-CA-TWO', [AMINO_ACIDS, EXENATIDE, ALLISARTAN]);
    expect(shown.rules.sort()).toEqual(['药品限就医方式', '药品限适应症', '药品限适应症']);
    expect(await offer(page)).toEqual({ button: '全部确认继续执行（2 条仅需确认）A', hinted: true });

    // One answered by hand leaves one: C Enter is as quick, so neither the button nor its hint is there.
    await card(page, '艾塞那肽注射液').focus();
    await page.keyboard.press('c');
    await page.keyboard.press('Enter');
    expect(await offer(page)).toEqual({ button: '', hinted: false });

    // A on the one left then sends nothing.
    await card(page, '阿利沙坦酯片').focus();
    await page.keyboard.press('a');
    await feedbackDrained(page, 10_000);
    const recorded = await taskDispositions(stack.sidecar.url, 'T-CA-TWO');
    expect(Object.keys(recorded)).toEqual([await card(page, '艾塞那肽注射液').getAttribute('data-jr-id')]);
    await page.close();
  }, 60_000);

  it('counts a 仅提示 (notice) warning as confirm-only, and neither a block nor a reason one', async () => {
    const page = await stack.context.newPage();
    const taskId = 'T-CA-KINDS';
    await showOrders(page, taskId, [AMINO_ACIDS, EXENATIDE, LATAMOXEF]);
    expect(await offer(page)).toEqual({ button: '全部确认继续执行（2 条仅需确认）A', hinted: true });

    await reconfigure(page, taskId, { 艾塞那肽注射液: 'notice' });
    expect(await card(page, '艾塞那肽注射液').locator('.impact').textContent()).toBe('仅提示');
    expect(await offer(page)).toEqual({ button: '全部确认继续执行（2 条仅需确认）A', hinted: true });

    await reconfigure(page, taskId, { 注射用拉氧头孢钠: 'block' });
    expect(await offer(page)).toEqual({ button: '', hinted: false });
    await page.close();
  }, 60_000);
});

describe('全部确认 pressed', () => {
  it('sends 继续执行 with the fixed wording for each confirm-only warning, one 3103 each, and nothing for the others', async () => {
    const page = await stack.context.newPage();
    const taskId = 'T-CA-PRESS';
    await showOrders(page, taskId, [AMINO_ACIDS, EXENATIDE, ALLISARTAN, LATAMOXEF]);
    await reconfigure(page, taskId, { 注射用拉氧头孢钠: 'notice' });
    expect(await offer(page)).toEqual({ button: '全部确认继续执行（3 条仅需确认）A', hinted: true });
    await page.locator('prealert-reminder button.confirm-all').click();
    await feedbackDrained(page, 10_000);
    const jrOf = async (name: string) => (await card(page, name).getAttribute('data-jr-id')) ?? '';
    expect(await taskDispositions(stack.sidecar.url, taskId)).toEqual({
      [await jrOf('艾塞那肽注射液')]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: CONFIRMED }),
      [await jrOf('阿利沙坦酯片')]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: CONFIRMED }),
      [await jrOf('注射用拉氧头孢钠')]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: CONFIRMED }),
    });
    expect(await card(page, '复方氨基酸注射液').locator('.outcome').isHidden()).toBe(true);
    expect(await offer(page)).toEqual({ button: '', hinted: false });
    await page.close();
  }, 60_000);

  it("answers with the host's confirm-reason when it sets one", async () => {
    const page = await stack.context.newPage();
    const taskId = 'T-CA-HOST-REASON';
    await showOrders(page, taskId, [EXENATIDE, ALLISARTAN]);
    await page.evaluate(() =>
      document.querySelector('prealert-reminder')!.setAttribute('confirm-reason', '医师已核对'),
    );
    await card(page, '艾塞那肽注射液').focus();
    await page.keyboard.press('a');
    await feedbackDrained(page, 10_000);
    const answers = Object.values(await taskDispositions(stack.sidecar.url, taskId)).map(
      (d) => `${d.dspo_way} ${d.dspo_way_rea}`,
    );
    expect(answers).toEqual(['1 医师已核对', '1 医师已核对']);
    await page.close();
  }, 60_000);
});

describe("全部确认 with last visit's reasons, cancelled", () => {
  it('Esc on the form it filled sends nothing for that warning and opens none of the rest', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const regular = womanWithCold('CA-PRIOR-ESC');
    const visit = (taskId: string, chosen: readonly CatalogueItem[], opened: Date) =>
      outpatientOrders(regular, taskId, chosen, opened);
    // Last month: both continued with a reason she typed.
    await analyse(page, visit('T-CA-ESC-1', [EXENATIDE, LATAMOXEF], new Date(Date.now() - 28 * 24 * 60 * 60 * 1000)));
    for (const name of ['艾塞那肽注射液', '注射用拉氧头孢钠']) {
      await card(page, name).focus();
      await page.keyboard.press('c');
      await card(page, name).locator('input.reason-text').focus();
      await page.keyboard.insertText('专科会诊确认');
      await page.keyboard.press('Enter');
      await card(page, name).locator('.state.recorded').waitFor({ timeout: 10_000 });
    }

    const taskId = 'T-CA-ESC-2';
    await analyse(page, visit(taskId, [EXENATIDE, LATAMOXEF, ALLISARTAN], new Date()));
    expect(await offer(page)).toEqual({
      button: '全部确认继续执行（1 条仅需确认，2 条填入上次理由待核对）A',
      hinted: true,
    });
    await card(page, '阿利沙坦酯片').focus();
    await page.keyboard.press('a');
    const openForms = () =>
      page.evaluate(() =>
        [...document.querySelector('prealert-reminder')!.shadowRoot!.querySelectorAll('li.card')]
          .filter((li) => !(li.querySelector('form.reason-form') as HTMLElement).hidden)
          .map((li) => (li.querySelector('input.reason-text') as HTMLInputElement).value),
      );
    expect(await openForms()).toEqual(['专科会诊确认']);
    await page.keyboard.press('Escape');
    expect(await openForms()).toEqual([]);
    await feedbackDrained(page, 10_000);
    // Only the plain confirmation went out: neither warning with last visit's reason was decided.
    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    expect(recorded).toEqual({
      [(await card(page, '阿利沙坦酯片').getAttribute('data-jr-id')) ?? '']: expect.objectContaining({
        dspo_way: '1',
        dspo_way_rea: CONFIRMED,
      }),
    });
    for (const name of ['艾塞那肽注射液', '注射用拉氧头孢钠'])
      expect(await card(page, name).locator('.outcome').isHidden()).toBe(true);

    // The run is over: answering the cancelled one herself (C Enter, with the reason still in it) does not open the
    // other.
    await page.keyboard.press('c');
    await page.keyboard.press('Enter');
    await feedbackDrained(page, 10_000);
    expect(await openForms()).toEqual([]);
    expect(Object.keys(await taskDispositions(stack.sidecar.url, taskId))).toHaveLength(2);
    await page.close();
  }, 90_000);
});
