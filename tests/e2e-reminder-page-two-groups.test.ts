/**
 * One card can group two items: 重症监护 includes 一般专项护理 (batch 7 医疗服务项目重复收费, 单日), so on a 30-day ICU stay
 * with daily 口腔护理 the card flags 30 口腔护理 lines (违规项) beside 30 重症监护 lines (涉及项): two grouped entries,
 * each with its own name, count, days and rx_id box. With 会阴冲洗 every day too there is a second such card sharing the
 * 重症监护 lines; answering one card must leave the other open. Real national codes, the sidecar's reminder page in
 * real headless Chromium against the real sidecar and the bundled national library.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';
import { taskDispositions } from './support/task-dispositions';
import {
  ICU_CARE,
  ORAL_CARE,
  PERINEAL_CARE,
  pad,
  type Stay,
  type StayItem,
  type StayOrder,
  wardRequest,
} from './support/ward-stay';

const ENCOUNTER = 'ZY-TWOGROUPS-1';
const stay: Stay = { encounter: ENCOUNTER, patientId: 'P-TWOGROUPS-1', admission: { year: 2026, month: 8, day: 20 } };
const TASK = 'T-TWOGROUPS-1';
const RULE = '医疗服务项目重复收费';

/** The HIS's order numbers of one item over the stay's 30 days. */
const rxIds = (prefix: string) => Array.from({ length: 30 }, (_, day) => `${prefix}-${pad(day + 1)}`);
const daily = (prefix: string, item: StayItem): StayOrder[] => rxIds(prefix).map((rxId, day) => ({ rxId, item, day }));

interface GroupedCard {
  jrId: string;
  /** The 医嘱 line as the doctor sees it (not the screen reader's words for the days). */
  shown: string;
  /** The group names, in the order they are shown. */
  names: string[];
  /** Each rx_id box: its accessible name and its text. */
  boxes: { name: string | null; text: string }[];
  decided: boolean;
}

/** The reminder page's cards of RULE. */
function duplicateChargeCards(page: Page): Promise<GroupedCard[]> {
  return page.evaluate((rule) => {
    const text = (node: Node): string => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
      if (node instanceof Element && node.classList.contains('sr-only')) return '';
      return [...node.childNodes].map(text).join('');
    };
    return [...document.querySelector('prealert-reminder')!.shadowRoot!.querySelectorAll<HTMLElement>('li.card')]
      .filter((card) => card.querySelector('.rule')?.textContent === rule)
      .map((card) => ({
        jrId: card.dataset.jrId ?? '',
        shown: text(card.querySelector('.lines')!),
        names: [...card.querySelectorAll('.lines .line-violation, .lines .line-involved')].map(
          (n) => n.textContent ?? '',
        ),
        boxes: [...card.querySelectorAll('.line-rx-ids')].map((box) => ({
          name: box.getAttribute('aria-label'),
          text: box.textContent ?? '',
        })),
        decided: card.classList.contains('decided'),
      }));
  }, RULE);
}

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('two-groups');
}, 120_000);

afterAll(() => stack?.stop());

describe('two grouped entries on one card', () => {
  it('show each item with its own count, days and rx_id box, and answering one card leaves the other open', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const shown = await analyse(
      page,
      wardRequest(stay, TASK, [
        ...daily('ICU', ICU_CARE),
        ...daily('ORAL', ORAL_CARE),
        ...daily('PERI', PERINEAL_CARE),
      ]),
    );
    expect(shown.rules.filter((rule) => rule === RULE)).toHaveLength(2);

    await page.goto(`${stack.sidecar.url}/ui/reminder/${TASK}`);
    await page
      .locator('prealert-reminder li.card')
      .nth(shown.rules.length - 1)
      .waitFor();
    const cards = await duplicateChargeCards(page);
    const icuBox = {
      name: '重症监护 的医嘱号，共 30 条，方向键滚动',
      text: `重症监护：涉及项 ${rxIds('ICU').join(' ')}`,
    };
    // Each care is the duplicate (违规项) beside the 30 ICU days it was charged on (涉及项): two entries, each named once
    // with its count and days, and each with its box, named by item since two boxes could be taken for each other.
    const expected = (care: StayItem, prefix: string) => ({
      shown: `医嘱${care.name} ×30：30 条违规项（08-20 至 09-18）、${ICU_CARE.name} ×30：30 条涉及项（08-20 至 09-18）`,
      names: [care.name, ICU_CARE.name],
      boxes: [
        {
          name: `${care.name} 的医嘱号，共 30 条，方向键滚动`,
          text: `${care.name}：违规项 ${rxIds(prefix).join(' ')}`,
        },
        icuBox,
      ],
      decided: false,
    });
    expect(cards).toEqual([
      { jrId: expect.any(String), ...expected(ORAL_CARE, 'ORAL') },
      { jrId: expect.any(String), ...expected(PERINEAL_CARE, 'PERI') },
    ]);
    const [oral, perineal] = cards as [GroupedCard, GroupedCard];
    expect(oral.jrId).not.toBe(perineal.jrId);

    // Tab goes from the card through both boxes, in the order shown, and Shift+Tab back.
    const focusedBox = () =>
      page.evaluate(
        () =>
          document.querySelector('prealert-reminder')!.shadowRoot!.activeElement?.getAttribute('aria-label') ?? null,
      );
    await page.locator(`prealert-reminder li.card[data-jr-id="${perineal.jrId}"]`).focus();
    await page.keyboard.press('Tab');
    expect(await focusedBox()).toBe(`${PERINEAL_CARE.name} 的医嘱号，共 30 条，方向键滚动`);
    await page.keyboard.press('Tab');
    expect(await focusedBox()).toBe(icuBox.name);
    await page.keyboard.press('Shift+Tab');
    expect(await focusedBox()).toBe(`${PERINEAL_CARE.name} 的医嘱号，共 30 条，方向键滚动`);

    // 继续执行 with the first quick reason on the 口腔护理 card: the 会阴冲洗 card, sharing its 30 重症监护 lines, stays open.
    await page.locator(`prealert-reminder li.card[data-jr-id="${oral.jrId}"]`).focus();
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    await page.waitForFunction(
      (jrId) =>
        document
          .querySelector('prealert-reminder')
          ?.shadowRoot?.querySelector(`li.card[data-jr-id="${jrId}"] .state.recorded`) !== null,
      oral.jrId,
    );
    expect((await duplicateChargeCards(page)).map((card) => card.decided)).toEqual([true, false]);
    const recorded = await taskDispositions(stack.sidecar.url, TASK);
    expect(recorded[oral.jrId]?.dspo_way).toBe('1');
    expect(recorded[perineal.jrId]).toBeUndefined();
    const progress = await page.evaluate(
      () => document.querySelector('prealert-reminder')!.shadowRoot!.querySelector('.progress')?.textContent ?? '',
    );
    expect(progress).toBe(`已处理 1/${shown.rules.length}`);
    await page.close();
  }, 90_000);
});
