/**
 * What the warning cards say on the demo doctor station, in real headless Chromium against the real sidecar and the
 * bundled national library: prescriptions typed the way a doctor types them (name, Enter), real NHSA codes.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('card-text');
}, 120_000);

afterAll(() => stack?.stop());

/** Types each name into the entry field with Enter, then waits for the analysis of the whole order. */
async function prescribe(page: Page, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
  }
  await page.waitForFunction(
    () => /\d+ 条提醒/.test(document.querySelector('#check-status')?.textContent ?? ''),
    null,
    {
      timeout: 10_000,
    },
  );
}

/** Each card's rule, sentence and the 依据 line as shown (null when it is not shown). */
function cardTexts(page: Page) {
  return page.evaluate(() =>
    [...(document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card') ?? [])].map((card) => {
      const evidence = card.querySelector('.evidence') as HTMLElement;
      return {
        rule: card.querySelector('.rule')?.textContent ?? '',
        content: card.querySelector('.content')?.textContent ?? '',
        evidence: evidence.offsetParent === null ? null : evidence.textContent,
        lines: card.querySelector('.lines')?.textContent ?? '',
      };
    }),
  );
}

describe('the 依据 line', () => {
  it('is left out where it only repeats the rule name or the sentence, and kept where it adds text', async () => {
    const page = await stack.context.newPage();
    await openStation(page, stack.demo.url);
    // 王小宝 (男, 门诊, 急性上呼吸道感染): six drugs.
    await page.selectOption('#patient', 'DEMO-P003');
    await page.locator('#entry-item').focus();
    await prescribe(page, [
      '他达拉非片',
      '普适泰片',
      '地屈孕酮片',
      '小儿布洛芬栓',
      '艾塞那肽注射液',
      '小儿对乙酰氨基酚片',
    ]);
    const cards = await cardTexts(page);
    const byRule = (rule: string) => cards.filter((card) => card.rule === rule);

    // The national evidence of 药品种类超标 is the rule name itself.
    expect(byRule('药品种类超标')).toEqual([expect.objectContaining({ evidence: null })]);
    // 「限2型糖尿病。」 is quoted in the sentence (without its full stop, as every quotation).
    const indication = byRule('药品限适应症');
    expect(indication).toEqual([expect.objectContaining({ evidence: null })]);
    expect(indication[0]!.content).toContain('（限2型糖尿病）');
    // The drug's indication text says what the sex warning does not.
    expect(byRule('药品区分性别使用')).toEqual([
      expect.objectContaining({
        content: '【地屈孕酮片】限女性使用，患者性别为男。',
        evidence: expect.stringMatching(/^依据用于治疗内源性孕酮不足引起的疾病/),
      }),
    ]);
    await page.close();
  }, 60_000);
});

describe('two orders of one item on one card', () => {
  it('are told apart by their row numbers', async () => {
    const page = await stack.context.newPage();
    await openStation(page, stack.demo.url);
    // 张建国 (男, 住院): 地屈孕酮片 ordered twice the same day.
    await page.selectOption('#patient', 'DEMO-P002');
    await page.locator('#entry-item').focus();
    await prescribe(page, ['精液常规检查', '地屈孕酮片', '地屈孕酮片']);
    const cards = await cardTexts(page);
    // The sex limit flags both orders; the 精液常规检查 row above makes row numbers differ from the card's own order.
    expect(cards.find((card) => card.rule === '药品区分性别使用')?.lines).toBe(
      '医嘱地屈孕酮片（第 2 行，违规项）、地屈孕酮片（第 3 行，违规项）',
    );
    await page.close();
  }, 60_000);
});

describe('one of two orders of one item flagged', () => {
  it('is named by its row number, though the card names no other line', async () => {
    const page = await stack.context.newPage();
    await openStation(page, stack.demo.url);
    // 李秀梅 (女, 门诊): 地屈孕酮片 entered twice, the same day, amount and quantity. 结算明细信息异常 flags the second
    // entry only; 「地屈孕酮片（违规项）」 would fit both rows.
    await page.selectOption('#patient', 'DEMO-P001');
    await page.locator('#entry-item').focus();
    await prescribe(page, ['地屈孕酮片', '精液常规检查', '地屈孕酮片']);
    const cards = await cardTexts(page);
    expect(cards.find((card) => card.rule === '结算明细信息异常')).toEqual(
      expect.objectContaining({
        content: '数据质量：同一项目同日同金额重复录入：地屈孕酮片。',
        lines: '医嘱地屈孕酮片（第 3 行，违规项）',
      }),
    );
    // The row it names is the one the station marks with that warning.
    const marked = await page.evaluate(() =>
      [...document.querySelectorAll('tr[data-rx-id]')].map((row) => /结算明细信息异常/.test(row.textContent ?? '')),
    );
    expect(marked).toEqual([false, false, true]);
    await page.close();
  }, 60_000);

  it('is named by its row number on a host that sends its own 3101 with the request', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    // The embed page's table, made two rows of 地屈孕酮片; the second was sent without its hilist_code (a HIS mapping
    // that lost it), which 结算明细信息异常 flags. The widget gets the request with the answer, as show() documents.
    const lines = await page.evaluate(async () => {
      const tbody = document.querySelector('tbody')!;
      tbody.innerHTML =
        '<tr data-rx-id="DQ-1"><td>地屈孕酮片</td><td>XG03DBD084A001010102180</td></tr>' +
        '<tr data-rx-id="DQ-2"><td>地屈孕酮片</td><td></td></tr>';
      const time = '2026-01-05 09:00:00';
      const line = (rx_id: string, hilist_code: string) => ({
        rx_id,
        rxno: 'CF-DQ',
        hilist_type: '101',
        chrg_type: '09',
        hilist_code,
        hilist_name: '地屈孕酮片',
        cnt: 1,
        pric: 80,
        sumamt: 80,
        drord_begn_date: time,
        drord_dept_codg: 'A03',
        drord_dept_name: '内分泌科门诊',
        drord_dr_codg: 'D0001',
        drord_dr_name: '王医生',
        curr_drord_flag: '1',
      });
      const input = {
        data: {
          syscode: 'EMBED',
          task_id: 'TASK-DQ-ROWS',
          trig_scen: '2',
          patient_dtos: [
            {
              patn_id: 'DEMO-P001',
              patn_name: '李秀梅',
              gend: '2',
              brdy: '1990-05-12',
              curr_mdtrt_id: 'MZ-DQ',
              fsi_encounter_dtos: [
                {
                  mdtrt_id: 'MZ-DQ',
                  med_mdtrt_type: '1',
                  med_type: '11',
                  insutype: '310',
                  adm_date: time,
                  dscg_date: time,
                  dscg_main_dise_codg: 'N97.900',
                  dscg_main_dise_name: '女性不孕症',
                  fsi_diagnose_dtos: [
                    {
                      dise_id: 'D1',
                      inout_dise_type: '1',
                      maindise_flag: '1',
                      dias_srt_no: '1',
                      dise_codg: 'N97.900',
                      dise_name: '女性不孕症',
                      dise_date: time,
                    },
                  ],
                  fsi_order_dtos: [line('DQ-1', 'XG03DBD084A001010102180'), line('DQ-2', '')],
                },
              ],
            },
          ],
        },
      };
      type Shown = { rule_name: string; vola_cont: string };
      const reminder = document.getElementById('reminder') as HTMLElement & {
        show(results: readonly Shown[], options: object): void;
      };
      const { callService } = (
        window as unknown as {
          PrealertWidget: {
            callService(
              infno: string,
              input: object,
              options: object,
            ): Promise<{ body: { output: { result: unknown } } }>;
          };
        }
      ).PrealertWidget;
      const sidecar = reminder.getAttribute('sidecar');
      const outcome = await callService('3101', input, { sidecar, timeoutMs: 5000 });
      const results = outcome.body.output.result as Shown[];
      reminder.show(results, { infno: '3101', taskId: 'TASK-DQ-ROWS', request: input });
      return [...(reminder.shadowRoot?.querySelectorAll('li.card') ?? [])].map((card) => ({
        rule: card.querySelector('.rule')?.textContent,
        content: card.querySelector('.content')?.textContent,
        lines: card.querySelector('.lines')?.textContent,
      }));
    });
    expect(lines).toContainEqual({
      rule: '结算明细信息异常',
      content: '数据质量：医保目录代码缺失或与目录类别不符：地屈孕酮片(未传)。',
      lines: '医嘱地屈孕酮片（第 2 行，违规项）',
    });
    await page.close();
  }, 60_000);

  it('names the ward, not the clinic, once the visit is switched to 住院', async () => {
    const page = await stack.context.newPage();
    await openStation(page, stack.demo.url);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('callService') && request.postData()?.includes('"3101"'))
        sent.push(request.postData() ?? '');
    });
    await page.locator('input[name="visit"][value="inpatient"]').check();
    await page.locator('#entry-item').focus();
    await prescribe(page, ['他达拉非片']);
    expect(await page.locator('#patient-info').textContent()).toContain('住院 · 内分泌科病区 ·');
    const encounter = JSON.parse(sent[sent.length - 1] ?? '{}').input.data.patient_dtos[0].fsi_encounter_dtos[0];
    expect([encounter.adm_dept_name, encounter.wardarea_codg, encounter.fsi_order_dtos[0].drord_dept_name]).toEqual([
      '内分泌科病区',
      'B03',
      '内分泌科病区',
    ]);
    await page.close();
  }, 30_000);
});

describe('the amount line', () => {
  it('is left out of a data-quality card, which has no amount at stake, and kept on the others', async () => {
    const page = await stack.context.newPage();
    await openStation(page, stack.demo.url);
    // 李秀梅 (女, 门诊): 地屈孕酮片 entered twice (结算明细信息异常, amount 0) and 精液常规检查, a service for men only.
    await page.selectOption('#patient', 'DEMO-P001');
    await page.locator('#entry-item').focus();
    await prescribe(page, ['地屈孕酮片', '精液常规检查', '地屈孕酮片']);
    const amounts = await page.evaluate(() =>
      [...(document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card') ?? [])].map((card) => {
        const amount = card.querySelector('.amount') as HTMLElement;
        return {
          rule: card.querySelector('.rule')?.textContent ?? '',
          // What the doctor sees: nothing where the line is not laid out.
          amount: amount.offsetParent === null ? null : amount.textContent,
        };
      }),
    );
    expect(amounts.find((card) => card.rule === '结算明细信息异常')).toEqual({
      rule: '结算明细信息异常',
      amount: null,
    });
    const others = amounts.filter((card) => card.rule !== '结算明细信息异常');
    expect(others.length).toBeGreaterThan(0);
    for (const card of others) expect(card.amount, card.rule).toMatch(/^¥[1-9]\d*\.\d\d$/);
    await page.close();
  }, 60_000);
});
