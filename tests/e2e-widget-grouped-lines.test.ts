/**
 * A long stay's card names an item's lines once: a ward 3101 of a 30-day stay with 奥扎格雷 every day (the national
 * 14-day payment limit, real NHSA code) showed the drug's name 30 times on one card, and the next card was out of
 * sight. The entry says when, too (「16 条违规项（09-03 至 09-18）」): from the request the widget was given, from the
 * host's line labels, and on the sidecar's reminder page from the days the sidecar kept. In real headless Chromium
 * against the real sidecar and the bundled national library.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { longStayDischarge } from '../sidecar/test/fixtures/long-stay';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';
import {
  DUTASTERIDE,
  OZAGREL,
  pad,
  type Stay,
  type StayOrder,
  dayOfStay as stayDay,
  wardRequest as stayRequest,
} from './support/ward-stay';

const ENCOUNTER = 'ZY-GROUP-1';
/** The stay: admitted 2026-08-20 unless a test moves it (a stay over New Year). */
const stay: Stay = { encounter: ENCOUNTER, patientId: 'P-GROUP-1', admission: { year: 2026, month: 8, day: 20 } };
const dayOfStay = (n: number) => stayDay(stay, n);
type Order = StayOrder;
const wardRequest = (taskId: string, orders: readonly Order[]) => stayRequest(stay, taskId, orders);

/** The stay's orders: 奥扎格雷 on each of 30 days, 度他雄胺 once on the last. */
const stayOrders = (): Order[] => [
  ...Array.from({ length: 30 }, (_, day) => ({ rxId: `OZ-${pad(day + 1)}`, item: OZAGREL, day })),
  { rxId: 'DU-1', item: DUTASTERIDE, day: 29 },
];

/** The host's table: one row per order, named in its first cell (the embed page's lineLabel reads it), its day kept. */
async function hostTable(page: Page, orders: readonly Order[]): Promise<void> {
  await page.evaluate(
    (rows) => {
      document.querySelector('tbody')!.innerHTML = rows
        .map(
          (row) =>
            `<tr data-rx-id="${row.rxId}" data-begun="${row.begun}"><td>${row.item.name}</td><td>${row.item.code}</td></tr>`,
        )
        .join('');
    },
    orders.map((o) => ({ ...o, begun: dayOfStay(o.day) })),
  );
}

interface CardText {
  rule: string;
  /** The 医嘱 line as the doctor sees it (not the screen reader's words for the days). */
  shown: string;
  /** What a screen reader is given: no 「×30」, the days in words. */
  spoken: string;
  names: number;
}

/** Each card's 医嘱 line, on the page's <prealert-reminder>. */
function cardTexts(page: Page): Promise<CardText[]> {
  return page.evaluate(() => {
    const text = (node: Node, skip: (el: Element) => boolean): string => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
      if (node instanceof Element && skip(node)) return '';
      return [...node.childNodes].map((child) => text(child, skip)).join('');
    };
    return [...(document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card') ?? [])].map(
      (card) => {
        const lines = card.querySelector('.lines')!;
        return {
          rule: card.querySelector('.rule')?.textContent ?? '',
          shown: text(lines, (el) => el.classList.contains('sr-only')),
          spoken: text(lines, (el) => el.getAttribute('aria-hidden') === 'true'),
          names: card.querySelectorAll('.lines .line-violation, .lines .line-involved').length,
        };
      },
    );
  });
}

const byRule = (cards: readonly CardText[], rule: string) => cards.find((card) => card.rule === rule);

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('grouped-lines');
}, 120_000);

afterAll(() => stack?.stop());

beforeEach(() => {
  stay.admission = { year: 2026, month: 8, day: 20 };
});

describe('a card that flags one item on every day of a stay', () => {
  it('shows one grouped entry with the counts, marks all 30 rows, and keeps the one-line form for a single line', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const orders = stayOrders();
    await hostTable(page, orders);
    const shown = await analyse(page, wardRequest('T-GROUP-1', orders));
    expect(shown.rules).toEqual(expect.arrayContaining(['药品限支付疗程', '药品区分性别使用']));

    const cards = await cardTexts(page);
    // Days 1–14 (08-20 to 09-02) are paid (涉及项), days 15–30 (09-03 to 09-18) beyond the limit (违规项): the days
    // come from the request show() was given (drord_begn_date).
    expect(byRule(cards, '药品限支付疗程')).toEqual({
      rule: '药品限支付疗程',
      shown: `医嘱${OZAGREL.name} ×30：16 条违规项（09-03 至 09-18），14 条涉及项（08-20 至 09-02）`,
      spoken: `医嘱${OZAGREL.name}：16 条违规项（9月3日至9月18日），14 条涉及项（8月20日至9月2日）`,
      names: 1,
    });
    // 药品限适应症 (轻度可疑: 脑梗死 is not said to be 新发) flags every day: all 30 as 违规项.
    expect(byRule(cards, '药品限适应症')?.shown).toBe(`医嘱${OZAGREL.name} ×30：30 条违规项（08-20 至 09-18）`);
    // One line keeps the one-line form: no count, no days.
    expect(byRule(cards, '药品区分性别使用')).toEqual({
      rule: '药品区分性别使用',
      shown: `医嘱${DUTASTERIDE.name}（违规项）`,
      spoken: `医嘱${DUTASTERIDE.name}（违规项）`,
      names: 1,
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

  it("dates the grouped entries on the sidecar's reminder page from the days the sidecar kept", async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const orders = stayOrders();
    await hostTable(page, orders);
    await analyse(page, wardRequest('T-GROUP-PAGE', orders));
    await page.goto(`${stack.sidecar.url}/ui/reminder/T-GROUP-PAGE`);
    await page.locator('prealert-reminder li.card').nth(2).waitFor();

    const cards = await cardTexts(page);
    expect(byRule(cards, '药品限支付疗程')).toEqual({
      rule: '药品限支付疗程',
      shown: `医嘱${OZAGREL.name} ×30：16 条违规项（09-03 至 09-18），14 条涉及项（08-20 至 09-02）`,
      spoken: `医嘱${OZAGREL.name}：16 条违规项（9月3日至9月18日），14 条涉及项（8月20日至9月2日）`,
      names: 1,
    });
    expect(byRule(cards, '药品限适应症')?.shown).toBe(`医嘱${OZAGREL.name} ×30：30 条违规项（08-20 至 09-18）`);
    // The page's one-line form keeps the rx_id beside the name, and names no day.
    expect(byRule(cards, '药品区分性别使用')?.shown).toBe(`医嘱${DUTASTERIDE.name} DU-1（违规项）`);
    // The page has only the stored answer: its names and the days the request gave its lines (GET /v1/tasks).
    const task = (await (await fetch(`${stack.sidecar.url}/v1/tasks/T-GROUP-PAGE`)).json()) as {
      line_dates: Record<string, string>;
    };
    expect(task.line_dates['OZ-01']).toBe('2026-08-20');
    expect(task.line_dates['OZ-30']).toBe('2026-09-18');
    await page.close();
  }, 60_000);

  it("dates the entries from the host's line labels when show() has no request, full dates across New Year", async () => {
    // A stay over New Year: paid 2025-12-20 to 2026-01-02 (涉及项), beyond the 14 days 2026-01-03 to 01-18.
    stay.admission = { year: 2025, month: 12, day: 20 };
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const orders = stayOrders();
    await hostTable(page, orders);
    const showWithoutRequest = (withDates: boolean) =>
      page.evaluate(
        async ({ analysed, withDates }) => {
          type Reminder = HTMLElement & {
            lineLabel: (rxId: string) => unknown;
            show(results: readonly unknown[], options: Record<string, unknown>): void;
          };
          const lib = (
            window as unknown as {
              PrealertWidget: {
                callService: (...args: unknown[]) => Promise<{ kind: string; body?: { output?: { result?: [] } } }>;
              };
            }
          ).PrealertWidget;
          const el = document.querySelector('prealert-reminder') as Reminder;
          const row = (rxId: string) => document.querySelector<HTMLElement>(`tr[data-rx-id="${CSS.escape(rxId)}"]`);
          // The host knows its rows' days: it gives each with the line's name.
          el.lineLabel = (rxId) => {
            const name = row(rxId)?.querySelector('td')?.textContent ?? undefined;
            return withDates && name !== undefined ? { name, date: row(rxId)?.dataset.begun } : name;
          };
          const outcome = await lib.callService('3101', analysed, { sidecar: el.getAttribute('sidecar') });
          if (outcome.kind !== 'ok') throw new Error(`3101 ${outcome.kind}`);
          el.show(outcome.body?.output?.result ?? [], { infno: '3101', taskId: analysed.data.task_id });
        },
        { analysed: wardRequest('T-GROUP-HOST', orders), withDates },
      );

    // Neither the request nor the labels give a day: the entry names none.
    await showWithoutRequest(false);
    expect(byRule(await cardTexts(page), '药品限支付疗程')?.shown).toBe(
      `医嘱${OZAGREL.name} ×30：16 条违规项，14 条涉及项`,
    );

    await showWithoutRequest(true);
    expect(byRule(await cardTexts(page), '药品限支付疗程')).toEqual({
      rule: '药品限支付疗程',
      shown: `医嘱${OZAGREL.name} ×30：16 条违规项（01-03 至 01-18），14 条涉及项（2025-12-20 至 2026-01-02）`,
      spoken: `医嘱${OZAGREL.name}：16 条违规项（1月3日至1月18日），14 条涉及项（2025年12月20日至2026年1月2日）`,
      names: 1,
    });
    await page.close();
  }, 60_000);

  it('counts the rows a shortened answer folded into one (same_item_rows), and names no days for them', async () => {
    // A 90-day stay's discharge 3102 over the national route, as a HIS sends it: its answer is cut to the spec's 40,000
    // characters, the 14 paid days' 涉及项 rows of the payment limit folded into one row standing for 14.
    const envelope = longStayDischarge(2000, 'T-GROUP-SHORT');
    const answer = (await (
      await fetch(`${stack.sidecar.url}/fsi/api/rsfComIfsService/callService`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(envelope),
      })
    ).json()) as {
      infcode: number;
      output: {
        truncated?: boolean;
        result: { rule_name: string; judge_result_detail_dtos: { rx_id: string; same_item_rows?: number }[] }[];
      };
    };
    expect(answer.infcode).toBe(0);
    expect(answer.output.truncated).toBe(true);
    const paidDays = answer.output.result.find((r) => r.rule_name === '药品限支付疗程')!;
    expect(paidDays.judge_result_detail_dtos.map((d) => d.same_item_rows ?? 1)).toContain(14);

    const input = envelope.input as {
      data: { patient_dtos: { fsi_encounter_dtos: { fsi_order_dtos: { rx_id: string; hilist_name: string }[] }[] }[] };
    };
    const names = Object.fromEntries(
      input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos.map((o) => [o.rx_id, o.hilist_name]),
    );
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    await page.evaluate(
      ({ results, names, request }) => {
        const el = document.querySelector('prealert-reminder') as HTMLElement & {
          lineLabel: (rxId: string) => unknown;
          show(results: readonly unknown[], options: Record<string, unknown>): void;
        };
        el.lineLabel = (rxId) => names[rxId];
        el.show(results, { infno: '3102', taskId: 'T-GROUP-SHORT', truncated: true, request });
      },
      { results: answer.output.result, names, request: envelope.input },
    );
    const card = (await cardTexts(page)).find((c) => c.rule === '药品限支付疗程')!;
    // Days 15–30 (09-03 to 09-18) beyond the limit, one row each; the 14 paid days in one row, their days not known.
    expect(card.shown).toMatch(/^医嘱\S+ ×30：16 条违规项（09-03 至 09-18），14 条涉及项$/);
    await page.close();
  }, 90_000);
});
