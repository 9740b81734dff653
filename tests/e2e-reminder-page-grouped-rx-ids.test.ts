/**
 * The sidecar's reminder page has no order table beside it: a desktop HIS's doctor finds an order by the rx_id shown
 * small beside its name. A grouped entry (three or more lines of one item: a long stay's daily orders) dropped them,
 * so the 30 orders of 奥扎格雷 could not be found. They are kept in a box two small lines high that scrolls, by kind as
 * counted, all of them in its title too, and the card stays as short as grouping made it. Real headless Chromium
 * against the real sidecar and the bundled national library; 奥扎格雷's national 14-day payment limit.
 */
import type { AnalysisInput } from '@prealert/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';

// 奥扎格雷氨丁三醇注射用浓溶液: 限新发的急性血栓性脑梗死，支付不超过14天 (national knowledge point max_pay_days 14天).
const OZAGREL = { code: 'XB01AXA223B004010180963', name: '奥扎格雷氨丁三醇注射用浓溶液' };
// 度他雄胺软胶囊: 限男性; prescribed once to a woman, its card has one line.
const DUTASTERIDE = { code: 'XG04CBD247E002010101503', name: '度他雄胺软胶囊' };
const ENCOUNTER = 'ZY-RXIDS-1';
const pad = (n: number) => String(n).padStart(2, '0');
/** Day n of a stay from 2026-08-20, at 08:00. */
const dayOfStay = (n: number) => {
  const day = new Date(Date.UTC(2026, 7, 20 + n));
  return `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())} 08:00:00`;
};

/** The HIS's order number of 奥扎格雷 on day n of the stay (1-based), as long as a ward's order numbers are. */
const ozagrelRxId = (n: number) => `YZ2026${ENCOUNTER}-${pad(n)}`;

/** A ward 3101 (trig_scen 5) of a 30-day stay: 奥扎格雷 every day, 度他雄胺 once on the last. */
function wardRequest(taskId: string): AnalysisInput {
  const orders = [
    ...Array.from({ length: 30 }, (_, day) => ({ rxId: ozagrelRxId(day + 1), item: OZAGREL, day })),
    { rxId: 'DU-1', item: DUTASTERIDE, day: 29 },
  ];
  return {
    data: {
      syscode: 'HIS',
      task_id: taskId,
      trig_scen: '5',
      patient_dtos: [
        {
          patn_id: 'P-RXIDS-1',
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
              adm_date: dayOfStay(0),
              dscg_date: dayOfStay(29),
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
                  dise_date: dayOfStay(0),
                },
              ],
              fsi_order_dtos: orders.map(({ rxId, item, day }) => ({
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
              })),
            },
          ],
        },
      ],
    },
  } as unknown as AnalysisInput;
}

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ozagrelRxId(from + i));

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('grouped-rx-ids');
}, 120_000);

afterAll(() => stack?.stop());

describe("a grouped entry on the sidecar's reminder page", () => {
  it('keeps every rx_id of the group by kind, in a box two lines high, the card as short as grouping made it', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const shown = await analyse(page, wardRequest('T-RXIDS-1'));
    expect(shown.rules).toContain('药品限支付疗程');
    // The host's own page has its table, where each row is marked: no rx_ids there.
    expect(await page.locator('prealert-reminder .line-rx-ids').count()).toBe(0);

    await page.goto(`${stack.sidecar.url}/ui/reminder/T-RXIDS-1`);
    await page.locator('prealert-reminder li.card').nth(2).waitFor();
    const card = await page.evaluate(() => {
      const cards = [...document.querySelector('prealert-reminder')!.shadowRoot!.querySelectorAll('li.card')];
      const paid = cards.find((c) => c.querySelector('.rule')?.textContent === '药品限支付疗程')!;
      const single = cards.find((c) => c.querySelector('.rule')?.textContent === '药品区分性别使用')!;
      const list = paid.querySelector<HTMLElement>('.line-rx-ids');
      const lines = paid.querySelector<HTMLElement>('.lines')!;
      const rxIds = paid.querySelector<HTMLElement>('.rx-ids');
      return {
        text: list?.textContent ?? null,
        title: list?.title ?? null,
        boxHeight: list?.getBoundingClientRect().height ?? 0,
        scrolls: list ? list.scrollHeight > list.clientHeight : false,
        linesHeight: lines.getBoundingClientRect().height,
        rxIdsHeight: rxIds?.getBoundingClientRect().height ?? 0,
        lineHeight: Number.parseFloat(getComputedStyle(lines).lineHeight),
        singleRxId: single.querySelector('.line-rx-id')?.textContent ?? null,
      };
    });
    // Days 15–30 beyond the 14 paid days are 违规项, days 1–14 涉及项: the counts' order.
    const expected = `违规项 ${ids(15, 30).join(' ')}；涉及项 ${ids(1, 14).join(' ')}`;
    expect(card.text).toBe(expected);
    expect(card.title).toBe(expected);
    // Two small lines of the 30, the others scroll in the box: the 医嘱 line is its one entry, those two lines under it.
    expect(card.boxHeight).toBe(30);
    expect(card.rxIdsHeight).toBe(30);
    expect(card.scrolls).toBe(true);
    expect(card.linesHeight).toBe(card.lineHeight);
    // A single line keeps its rx_id beside its name, as before.
    expect(card.singleRxId).toBe('DU-1');
    await page.screenshot({ path: '/tmp/prealert-grouped-rx-ids.png' });
    await page.close();
  }, 90_000);
});
