/**
 * A long stay's card names an item's lines once: a ward 3101 of a 30-day stay with 奥扎格雷 every day (the national
 * 14-day payment limit, real NHSA code) showed the drug's name 30 times on one card, and the next card was out of
 * sight. In real headless Chromium against the real sidecar and the bundled national library.
 */
import type { AnalysisInput } from '@prealert/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';

// 奥扎格雷氨丁三醇注射用浓溶液: 限新发的急性血栓性脑梗死，支付不超过14天 (national knowledge point max_pay_days 14天).
const OZAGREL = { code: 'XB01AXA223B004010180963', name: '奥扎格雷氨丁三醇注射用浓溶液' };
// 度他雄胺软胶囊: 限男性 (区分性别使用); prescribed once to a woman, its card has one line.
const DUTASTERIDE = { code: 'XG04CBD247E002010101503', name: '度他雄胺软胶囊' };

const ENCOUNTER = 'ZY-GROUP-1';
const pad = (n: number) => String(n).padStart(2, '0');
/** The stay's day n (0 = admission, 2026-08-20) at 08:00. */
const dayOfStay = (n: number) => {
  const day = new Date(Date.UTC(2026, 7, 20 + n));
  return `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())} 08:00:00`;
};

interface Order {
  rxId: string;
  item: { code: string; name: string };
  day: number;
}

function order({ rxId, item, day }: Order) {
  return {
    rx_id: rxId,
    rxno: `${ENCOUNTER}-RX${day + 1}`,
    long_drord_flag: '1',
    hilist_type: '101',
    chrg_type: '09',
    hilist_code: item.code,
    hilist_name: item.name,
    cnt: 1,
    pric: 24.5,
    sumamt: 24.5,
    drord_begn_date: dayOfStay(day),
    drord_dept_codg: 'B05.01',
    drord_dept_name: '神经内科病区',
    drord_dr_codg: 'D0201',
    drord_dr_name: '孙医生',
    curr_drord_flag: '1',
  };
}

/** The ward's 3101 (trig_scen 5) of the whole stay so far, as a ward station sends it on each edit. */
function wardRequest(taskId: string, orders: readonly Order[]): AnalysisInput {
  const admitted = dayOfStay(0);
  return {
    data: {
      syscode: 'HIS',
      task_id: taskId,
      trig_scen: '5',
      patient_dtos: [
        {
          patn_id: 'P-GROUP-1',
          patn_name: '患者',
          gend: '2',
          brdy: '1958-06-21',
          curr_mdtrt_id: ENCOUNTER,
          fsi_encounter_dtos: [
            {
              mdtrt_id: ENCOUNTER,
              med_mdtrt_type: '3',
              med_type: '21',
              insutype: '310',
              adm_date: admitted,
              dscg_date: dayOfStay(orders.reduce((last, o) => Math.max(last, o.day), 0)),
              dscg_main_dise_codg: 'I63.900',
              dscg_main_dise_name: '脑梗死',
              fsi_diagnose_dtos: [
                {
                  dise_id: `${ENCOUNTER}-D1`,
                  inout_dise_type: '1',
                  maindise_flag: '1',
                  dias_srt_no: '1',
                  dise_codg: 'I63.900',
                  dise_name: '脑梗死',
                  dise_date: admitted,
                },
              ],
              fsi_order_dtos: orders.map(order),
            },
          ],
        },
      ],
    },
  } as unknown as AnalysisInput;
}

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('grouped-lines');
}, 120_000);

afterAll(() => stack?.stop());

describe('a card that flags one item on every day of a stay', () => {
  it('shows one grouped entry with the counts, marks all 30 rows, and keeps the one-line form for a single line', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const orders: Order[] = [
      ...Array.from({ length: 30 }, (_, day) => ({ rxId: `OZ-${pad(day + 1)}`, item: OZAGREL, day })),
      { rxId: 'DU-1', item: DUTASTERIDE, day: 29 },
    ];
    // The host's table: one row per order, named in its first cell (the embed page's lineLabel reads it).
    await page.evaluate((rows) => {
      document.querySelector('tbody')!.innerHTML = rows
        .map((row) => `<tr data-rx-id="${row.rxId}"><td>${row.item.name}</td><td>${row.item.code}</td></tr>`)
        .join('');
    }, orders);
    const shown = await analyse(page, wardRequest('T-GROUP-1', orders));
    expect(shown.rules).toEqual(expect.arrayContaining(['药品限支付疗程', '药品区分性别使用']));

    const cards = await page.evaluate(() =>
      [...(document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card') ?? [])].map((card) => ({
        rule: card.querySelector('.rule')?.textContent ?? '',
        lines: card.querySelector('.lines')?.textContent ?? '',
        names: card.querySelectorAll('.lines .line-violation, .lines .line-involved').length,
        // What a screen reader is given: the ×30 is said by the counts after it.
        hiddenCount: [...card.querySelectorAll('.lines [aria-hidden="true"]')].map((node) => node.textContent),
      })),
    );
    // Days 1–14 are paid (涉及项), days 15–30 beyond the limit (违规项).
    expect(cards.find((card) => card.rule === '药品限支付疗程')).toEqual({
      rule: '药品限支付疗程',
      lines: `医嘱${OZAGREL.name} ×30：16 条违规项，14 条涉及项`,
      names: 1,
      hiddenCount: [' ×30'],
    });
    // 药品限适应症 (轻度可疑: 脑梗死 is not said to be 新发) flags every day: all 30 as 违规项.
    expect(cards.find((card) => card.rule === '药品限适应症')?.lines).toBe(`医嘱${OZAGREL.name} ×30：30 条违规项`);
    expect(cards.find((card) => card.rule === '药品区分性别使用')).toEqual({
      rule: '药品区分性别使用',
      lines: `医嘱${DUTASTERIDE.name}（违规项）`,
      names: 1,
      hiddenCount: [],
    });

    // Every one of the 30 rows is still marked in the host's table by the worst warning that flags it as 违规项:
    // days 1–14 by 药品限适应症 (轻度可疑, 3; 涉及项 of the payment limit), days 15–30 by the payment limit (明确违规).
    const marks = await page.evaluate(() =>
      [...document.querySelectorAll('tr[data-rx-id^="OZ-"]')].map(
        (row) => row.getAttribute('data-prealert-severity') ?? row.getAttribute('data-prealert-involved'),
      ),
    );
    expect(marks).toEqual([...Array(14).fill('3'), ...Array(16).fill('1')]);
    await page.close();
  }, 60_000);
});
