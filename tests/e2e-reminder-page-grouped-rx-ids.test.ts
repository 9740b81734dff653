/**
 * The sidecar's reminder page has no order table beside it: a desktop HIS's doctor finds an order by the rx_id shown
 * small beside its name. A grouped entry (three or more lines of one item: a long stay's daily orders) dropped them,
 * so the 30 orders of 奥扎格雷 could not be found. They are kept in a box two small lines high that scrolls, by kind as
 * counted, all of them in its title too, and the card stays as short as grouping made it. Real headless Chromium
 * against the real sidecar and the bundled national library; 奥扎格雷's national 14-day payment limit.
 */
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';
import { DUTASTERIDE, OZAGREL, pad, type Stay, wardRequest as stayRequest } from './support/ward-stay';

const ENCOUNTER = 'ZY-RXIDS-1';
const stay: Stay = { encounter: ENCOUNTER, patientId: 'P-RXIDS-1', admission: { year: 2026, month: 8, day: 20 } };

/** The HIS's order number of 奥扎格雷 on day n of the stay (1-based), as long as a ward's order numbers are. */
const ozagrelRxId = (n: number) => `YZ2026${ENCOUNTER}-${pad(n)}`;

/** A ward 3101 (trig_scen 5) of a 30-day stay: 奥扎格雷 every day, 度他雄胺 once on the last. */
const wardRequest = (taskId: string) =>
  stayRequest(stay, taskId, [
    ...Array.from({ length: 30 }, (_, day) => ({ rxId: ozagrelRxId(day + 1), item: OZAGREL, day })),
    { rxId: 'DU-1', item: DUTASTERIDE, day: 29 },
  ]);

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
    // For a look by eye: in this file's temporary folder, kept with PREALERT_KEEP_TEST_TMP=1 (README.md).
    await page.screenshot({ path: path.join(os.tmpdir(), 'prealert-grouped-rx-ids.png') });
    await page.close();
  }, 90_000);
});
