/**
 * Results the sidecar shortened to fit a caller's buffer (review-session F4): `skeleton()` (jr_id, rule_id, rule_name,
 * vola_cont, sev_deg, wf_impact, vola_amt) and `bare()` (jr_id, vola_cont, sev_deg, wf_impact, vola_amt) carry no
 * detail rows, no patn_id / mdtrt_id, and before c666294 no vola_amt either (shown here without it). Given to <prealert-reminder>.show() on the demo's host page in real headless Chromium,
 * every one gets its card and is answered by keyboard, and the real sidecar (its SQLite file, loopback HTTP) records
 * each 3103. The shortened answers are the real sidecar's own, cut by X-Out-Capacity, on real national codes.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAnalysisInput } from '../examples/web-his/public/his-request.js';
import { bare, skeleton } from '../sidecar/src/national/capacity-fit';
import { ALLISARTAN, drug, EXENATIDE, LATAMOXEF, womanWithCold } from './support/demo-catalogue';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { feedbackDrained } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('shortened-results');
}, 120_000);

afterAll(() => stack?.stop());

// A woman with a cold: three 药品限适应症 confirmations and one 药品区分性别使用 (他达拉非, male only) that needs a reason.
const patient = womanWithCold('SHORTENED');
const items = [EXENATIDE, ALLISARTAN, LATAMOXEF, drug('XG04BET001A001010100299', '他达拉非片', 60)];

type Result = Record<string, unknown> & { jr_id: string; wf_impact: string };
type Answer = { infcode: number; output: { result: Result[]; truncated?: boolean } };

/**
 * The shim's route with the caller's buffer declared: the sidecar fits its answer into `capacity` bytes. A patient of
 * each level's own, so the other level's decisions do not come back on its results (prior_dspo).
 */
async function analyse3101(level: string, taskId: string, capacity?: number): Promise<Answer> {
  const input = buildAnalysisInput({
    patient: { ...patient, id: `${patient.id}-${level}` },
    visit: 'outpatient',
    orders: items.map((item, i) => ({ rxId: `RX-${taskId}-${i + 1}`, item, cnt: 1 })),
    taskId,
    now: new Date(),
  });
  const response = await fetch(`${stack.sidecar.url}/v1/yb/3101`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(capacity === undefined ? {} : { 'x-out-capacity': String(capacity) }),
    },
    body: JSON.stringify(input),
  });
  const answer = (await response.json()) as Answer;
  expect(answer.infcode).toBe(0);
  return answer;
}

/** The bytes the answer takes with every result shortened by `shorten`, and some room for the envelope's times. */
function capacityFor(answer: Answer, shorten: (r: never) => unknown): number {
  const shortened = answer.output.result.map((r) => shorten(r as never));
  return (
    Buffer.byteLength(JSON.stringify({ ...answer, output: { ...answer.output, result: shortened, truncated: true } })) +
    8
  );
}

const cards = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelector('prealert-reminder')!.shadowRoot!.querySelectorAll('li.card')].map((card) => ({
      jrId: (card as HTMLElement).dataset.jrId ?? '',
      content: card.querySelector('.content')?.textContent ?? '',
      amount: card.querySelector('.amount')?.textContent ?? '',
      linesShown: !(card.querySelector('.lines') as HTMLElement).hidden,
    })),
  );

async function showAndAnswer(level: 'skeleton' | 'bare'): Promise<void> {
  const full = await analyse3101(level, `T-SHORT-${level}-FULL`);
  expect(full.output.result.map((r) => r.wf_impact).sort()).toEqual(['confirm', 'confirm', 'confirm', 'reason']);
  const taskId = `T-SHORT-${level}`;
  const cut = await analyse3101(level, taskId, capacityFor(full, level === 'skeleton' ? skeleton : bare));
  const results = cut.output.result;
  // The sidecar did shorten every result this far: no detail rows, no encounter (the amount it keeps).
  expect(cut.output.truncated).toBe(true);
  expect(results).toHaveLength(4);
  for (const result of results) {
    expect(Object.keys(result).sort()).toEqual(
      level === 'skeleton'
        ? ['jr_id', 'rule_id', 'rule_name', 'sev_deg', 'vola_amt', 'vola_cont', 'wf_impact']
        : ['jr_id', 'sev_deg', 'vola_amt', 'vola_cont', 'wf_impact'],
    );
  }
  // Builds before c666294 left the amount out of these forms too, and a shim-route answer of one may still be shown:
  // the widget is given them without it.
  const withoutAmounts = results.map(({ vola_amt: _amount, ...kept }) => kept);

  const page = await stack.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${stack.demo.url}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  // As the README's integration does: the raw answer, straight into show(); then once more with a null among them
  // (nothing to show or answer), which is left out alone.
  const thrown = await page.evaluate(
    ({ results, taskId }) => {
      const el = document.querySelector('prealert-reminder') as HTMLElement & {
        show(results: readonly unknown[], options: Record<string, unknown>): void;
      };
      const errors: string[] = [];
      for (const given of [results, [...results, null]]) {
        try {
          el.show(given, { infno: '3101', taskId, truncated: true });
        } catch (error) {
          errors.push(String(error));
        }
      }
      return errors;
    },
    { results: withoutAmounts, taskId },
  );
  expect(thrown).toEqual([]);
  const shown = await cards(page);
  expect(shown.map((card) => card.jrId).sort()).toEqual(results.map((r) => r.jr_id).sort());
  for (const card of shown) {
    expect(card.content).toBe(results.find((r) => r.jr_id === card.jrId)?.vola_cont);
    expect(card.amount, 'no amount in the answer, none made up').toBe('');
    expect(card.linesShown, 'no detail rows: no 医嘱 line saying none is involved').toBe(false);
  }

  // The doctor answers all four by keyboard: 全部确认 the three confirmations, then the reason one with C, text, Enter.
  await page.keyboard.press('F8');
  await page.keyboard.press('a');
  const reasonJr = results.find((r) => r.wf_impact === 'reason')!.jr_id;
  const reasonCard = page.locator(`prealert-reminder li.card[data-jr-id="${reasonJr}"]`);
  await reasonCard.focus();
  await page.keyboard.press('c');
  await reasonCard.locator('input.reason-text').focus();
  await page.keyboard.insertText('已会诊确认');
  await page.keyboard.press('Enter');
  await feedbackDrained(page, 10_000);
  const recorded = await taskDispositions(stack.sidecar.url, taskId);
  for (const result of results) {
    expect(recorded[result.jr_id], `3103 for ${result.vola_cont}`).toEqual(
      expect.objectContaining({
        dspo_way: '1',
        dspo_way_rea: result.wf_impact === 'reason' ? '已会诊确认' : '已阅知，确认继续',
      }),
    );
  }
  expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 4/4');
  expect(errors).toEqual([]);
  await page.close();
}

describe('results the sidecar shortened to fit, in the widget', () => {
  it('shows every skeleton result as a card with no amount and no line list, and the doctor answers each', async () => {
    await showAndAnswer('skeleton');
  }, 90_000);

  it('does the same for bare results (no rule either)', async () => {
    await showAndAnswer('bare');
  }, 90_000);
});

describe('results spelled as national engines send them, in the widget', () => {
  it('reads them as the SDK does: an amount in digits is shown, one detail row sent as an object is a line', async () => {
    const full = await analyse3101('national', 'T-SHORT-national');
    // The real answer, respelled as the spec tolerates: amounts as text ("380.00"), a single detail row as an object.
    // show() once made such an amount NaN (no amount shown) and such a row none (no line), where parseAnswer read both.
    const respelled = full.output.result.map((r) => ({
      ...r,
      vola_amt: (r.vola_amt as number).toFixed(2),
      judge_result_detail_dtos: (r.judge_result_detail_dtos as Record<string, unknown>[])[0],
    }));
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    await page.evaluate((results) => {
      const el = document.querySelector('prealert-reminder') as HTMLElement & {
        show(results: readonly unknown[], options: Record<string, unknown>): void;
      };
      el.show(results, { infno: '3101', taskId: 'T-SHORT-national' });
    }, respelled);
    const shown = await cards(page);
    expect(shown).toHaveLength(full.output.result.length);
    expect(full.output.result.some((r) => (r.vola_amt as number) > 0)).toBe(true);
    for (const card of shown) {
      const result = full.output.result.find((r) => r.jr_id === card.jrId)!;
      const amount = result.vola_amt as number;
      // A result with no amount at stake (the data-quality checks' 0) shows none, spelled "0.00" or 0 alike.
      expect(card.amount, card.jrId).toBe(amount === 0 ? '' : `¥${amount.toFixed(2)}`);
      expect(card.linesShown, card.jrId).toBe(true);
    }
    await page.close();
  }, 90_000);
});
