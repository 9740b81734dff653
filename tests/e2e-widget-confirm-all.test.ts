/**
 * 「全部确认」: several warnings that only ask for a confirmation (wf_impact confirm, 药品限适应症 / 重复开药) answered with
 * one key, in real headless Chromium against the real sidecar, on real national codes. Each still gets its own 3103;
 * a warning that needs a reason, and one the doctor sent back (返回修改), are left as they are.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueItem } from '../examples/web-his/public/demo-data.js';
import { buildAnalysisInput } from '../examples/web-his/public/his-request.js';
import { ALLISARTAN, drug, EXENATIDE, LATAMOXEF, womanWithCold } from './support/demo-catalogue';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { outpatientOrders } from './support/embed-page';
import { analyse } from './support/host-analysis';
import { feedbackDrained } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('confirm-all');
}, 120_000);

afterAll(() => stack?.stop());

// An adult woman with a cold (J06.900): every 限适应症 drug below asks for a confirmation, the two N02BE drugs are a
// 重复开药 confirmation, and the children's paracetamol also needs a reason (药品儿童专用).
const patient = womanWithCold('CONFIRM-ALL');
const items = [
  EXENATIDE,
  ALLISARTAN,
  LATAMOXEF,
  drug('XN02BEA139A001010103094', '氨酚帕马溴片', 15),
  drug('XN02BEX097A001010105889', '小儿对乙酰氨基酚片', 6.5),
];

type Card = { rule: string; text: string; outcome: string };

const panel = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('prealert-reminder')!.shadowRoot!;
    const button = root.querySelector('button.confirm-all') as HTMLButtonElement | null;
    return {
      button: button && !button.hidden ? (button.textContent ?? '') : null,
      keys: button?.getAttribute('aria-keyshortcuts') ?? null,
      live: root.querySelector('[aria-live="polite"].sr-only')?.textContent ?? '',
      hints: root.querySelector('.hints')?.textContent ?? '',
      progress: root.querySelector('.progress')?.textContent ?? '',
      cards: [...root.querySelectorAll('li.card')].map(
        (card): Card => ({
          rule: card.querySelector('.rule')?.textContent ?? '',
          text: card.querySelector('.content')?.textContent ?? '',
          outcome: (card.querySelector('.outcome') as HTMLElement).hidden
            ? ''
            : (card.querySelector('.outcome .chosen')?.textContent ?? ''),
        }),
      ),
    };
  });

describe('全部确认 on the warnings that only ask for a confirmation', () => {
  it('answers each of them 继续执行 with its own 3103, and leaves reason and 返回修改 warnings alone', async () => {
    const page = await stack.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const taskId = 'T-CONFIRM-ALL-1';
    const input = buildAnalysisInput({
      patient,
      visit: 'outpatient',
      orders: items.map((item, i) => ({ rxId: `RX-CA-${i + 1}`, item, cnt: 1 })),
      taskId,
      now: new Date(),
    });
    const shown = await analyse(page, input);
    const confirmRules = ['药品限适应症', '药品限适应症', '药品限适应症', '重复开药'];
    expect(shown.rules).toEqual([...confirmRules, '药品儿童专用'].sort());

    const before = await panel(page);
    expect(before.button).toBe('全部确认继续执行（4 条仅需确认）A');
    expect(before.keys).toBe('A');
    expect(before.hints).toContain('A 全部确认');

    // The doctor sends one 限适应症 drug back first (M on its card).
    await page.keyboard.press('F8');
    await page.locator('prealert-reminder li.card', { hasText: '阿利沙坦酯片' }).focus();
    await page.keyboard.press('m');
    const sentBack = await panel(page);
    expect(sentBack.button).toBe('全部确认继续执行（3 条仅需确认）A');
    expect(sentBack.hints).toContain('A 全部确认');

    // One key, on whichever warning has focus, answers the three left.
    await page.keyboard.press('F8');
    await page.keyboard.press('a');
    await feedbackDrained(page, 10_000);
    const after = await panel(page);
    expect(after.button).toBeNull();
    // Nothing left for A to confirm (one needs a reason, one was sent back): the hints no longer offer it.
    expect(after.hints).not.toContain('全部确认');
    expect(after.hints).toContain('M 返回修改 · C 继续执行');
    expect(after.progress).toBe('已处理 4/5');
    expect(after.live).toBe('已确认继续执行 3 条仅需确认的提醒');
    const outcomeOf = (text: string) => after.cards.find((c) => c.text.includes(text))?.outcome;
    expect(outcomeOf('艾塞那肽注射液')).toBe('已选择：继续执行（已阅知，确认继续）');
    expect(outcomeOf('注射用拉氧头孢钠')).toBe('已选择：继续执行（已阅知，确认继续）');
    expect(outcomeOf('同属')).toBe('已选择：继续执行（已阅知，确认继续）');
    expect(outcomeOf('阿利沙坦酯片')).toBe('已选择：返回修改');
    expect(after.cards.find((c) => c.rule === '药品儿童专用')?.outcome).toBe('');

    // The sidecar has one answer per warning: 1 (继续执行) for the three, with the fixed reason that says it was a
    // confirmation (the spec wants a reason for every dspo_way 1), and 2 for the one sent back.
    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    expect(Object.keys(recorded)).toHaveLength(4);
    expect(recorded[shown.jrIds.药品儿童专用!]).toBeUndefined();
    expect(recorded[shown.jrIds.重复开药!]).toEqual(
      expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已阅知，确认继续' }),
    );
    const answers = Object.values(recorded)
      .map((d) => `${d.dspo_way} ${d.dspo_way_rea}`)
      .sort();
    expect(answers).toEqual(['1 已阅知，确认继续', '1 已阅知，确认继续', '1 已阅知，确认继续', '2 ']);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("leaves last visit's reason to the doctor: its form opens filled in, and its 3103 goes out only on her Enter", async () => {
    const page = await stack.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const REASON = '内分泌科会诊确认，长期用药';
    const regular = { ...patient, id: 'CONFIRM-ALL-PRIOR' };
    const exenatide = page.locator('prealert-reminder li.card', { hasText: '艾塞那肽注射液' });
    const allisartan = page.locator('prealert-reminder li.card', { hasText: '阿利沙坦酯片' });
    const activeClass = () =>
      page.evaluate(() => document.querySelector('prealert-reminder')?.shadowRoot?.activeElement?.className ?? '');

    // Last month's visit: 艾塞那肽 continued with a reason the doctor typed.
    const last = await analyse(
      page,
      buildAnalysisInput({
        patient: regular,
        visit: 'outpatient',
        orders: [{ rxId: 'RX-CAP-1', item: items[0]!, cnt: 1 }],
        taskId: 'T-CONFIRM-ALL-PRIOR-1',
        now: new Date(),
        visitOpened: new Date(Date.now() - 28 * 24 * 60 * 60 * 1000),
      }),
    );
    expect(last.rules).toEqual(['药品限适应症']);
    await exenatide.focus();
    await page.keyboard.press('c');
    await exenatide.locator('input.reason-text').focus();
    await page.keyboard.insertText(REASON);
    await page.keyboard.press('Enter');
    await exenatide.locator('.state.recorded').waitFor({ timeout: 10_000 });

    // This visit: 艾塞那肽 again (last visit's reason on it) and 阿利沙坦酯, two warnings that only ask for a confirmation.
    const taskId = 'T-CONFIRM-ALL-PRIOR-2';
    const shown = await analyse(
      page,
      buildAnalysisInput({
        patient: regular,
        visit: 'outpatient',
        orders: [items[0]!, items[1]!].map((item, i) => ({ rxId: `RX-CAP2-${i + 1}`, item, cnt: 1 })),
        taskId,
        now: new Date(),
      }),
    );
    expect(shown.rules).toEqual(['药品限适应症', '药品限适应症']);
    expect(await exenatide.locator('.prior-visit').isVisible()).toBe(true);
    expect(await allisartan.locator('.prior-visit').isVisible()).toBe(false);
    expect((await panel(page)).button).toBe('全部确认继续执行（1 条仅需确认，1 条填入上次理由待核对）A');

    await page.keyboard.press('F8');
    await page.keyboard.press('a');
    await feedbackDrained(page, 10_000);
    // What the sidecar recorded (its SQLite file, read back over loopback): the plain one, and nothing for the other.
    const exenatideJr = (await exenatide.getAttribute('data-jr-id')) ?? '';
    const allisartanJr = (await allisartan.getAttribute('data-jr-id')) ?? '';
    const beforeEnter = await taskDispositions(stack.sidecar.url, taskId);
    expect(beforeEnter[exenatideJr], "no 3103 before the doctor submits last visit's reason").toBeUndefined();
    expect(beforeEnter[allisartanJr]).toEqual(
      expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已阅知，确认继续' }),
    );
    const pressed = await panel(page);
    expect(pressed.live).toBe('已确认继续执行 1 条仅需确认的提醒。1 条已填入上次就诊的理由，请核对后按 Enter 逐条确认');
    expect(await allisartan.locator('.chosen').textContent()).toBe('已选择：继续执行（已阅知，确认继续）');
    // The other one waits in its open form, last visit's reason in the text and focus there: nothing sent for it yet.
    expect(await exenatide.locator('form.reason-form').isVisible()).toBe(true);
    expect(await exenatide.locator('input.reason-text').inputValue()).toBe(REASON);
    expect(await activeClass()).toBe('reason-text');
    expect(await exenatide.locator('.outcome').isVisible()).toBe(false);
    expect(pressed.progress).toBe('已处理 1/2');

    // She has read it: Enter sends it, with last visit's reason.
    await page.keyboard.press('Enter');
    await exenatide.locator('.state.recorded').waitFor({ timeout: 10_000 });
    expect(await exenatide.locator('.chosen').textContent()).toBe(`已选择：继续执行（${REASON}）`);
    const afterEnter = await taskDispositions(stack.sidecar.url, taskId);
    expect(afterEnter[exenatideJr]).toEqual(expect.objectContaining({ dspo_way: '1', dspo_way_rea: REASON }));
    expect((await panel(page)).progress).toBe('已处理 2/2');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("confirms a chronic patient's warnings at once when last visit was confirmed with the fixed wording, not a reason", async () => {
    const page = await stack.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const monthly = { ...patient, id: 'CONFIRM-ALL-MONTHLY' };
    const visit = (taskId: string, opened: Date) => outpatientOrders(monthly, taskId, [items[0]!, items[1]!], opened);

    // Last month's visit: both confirmed with 全部确认, so with the widget's own 「已阅知，确认继续」 and no reason typed.
    await analyse(page, visit('T-CONFIRM-ALL-MONTHLY-1', new Date(Date.now() - 28 * 24 * 60 * 60 * 1000)));
    expect((await panel(page)).button).toBe('全部确认继续执行（2 条仅需确认）A');
    await page.keyboard.press('F8');
    await page.keyboard.press('a');
    await feedbackDrained(page, 10_000);

    // This month's visit: that wording is no reason, and the sidecar does not offer it; one key confirms both.
    await page.evaluate(() => {
      // What the sidecar answered, as show() is given it (the task record does not keep prior_visit_rea).
      const el = document.querySelector('prealert-reminder') as HTMLElement & { show(...args: unknown[]): void };
      const show = el.show.bind(el);
      el.show = (...args: unknown[]) => {
        (window as unknown as { shownResults: unknown }).shownResults = args[0];
        show(...args);
      };
    });
    const taskId = 'T-CONFIRM-ALL-MONTHLY-2';
    const shown = await analyse(page, visit(taskId, new Date()));
    expect(shown.rules).toEqual(['药品限适应症', '药品限适应症']);
    const offered = await page.evaluate(
      () => (window as unknown as { shownResults: { prior_visit_rea?: string }[] }).shownResults,
    );
    expect(
      offered.map((r) => r.prior_visit_rea),
      'the sidecar offers no earlier reason: none was typed',
    ).toEqual([undefined, undefined]);
    expect((await panel(page)).button).toBe('全部确认继续执行（2 条仅需确认）A');
    expect(await page.locator('prealert-reminder li.card .prior-visit:visible').count()).toBe(0);
    await page.keyboard.press('F8');
    await page.keyboard.press('a');
    await feedbackDrained(page, 10_000);
    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    expect(Object.values(recorded)).toEqual([
      expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已阅知，确认继续' }),
      expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已阅知，确认继续' }),
    ]);
    expect((await panel(page)).progress).toBe('已处理 2/2');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("opens the next warning with last visit's reason when the doctor submits the one before, and stops at Esc", async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const regular = { ...patient, id: 'CONFIRM-ALL-PRIOR-CHAIN' };
    const reasons = { 艾塞那肽注射液: '内分泌科会诊确认', 注射用拉氧头孢钠: '药敏结果支持' } as const;
    const card = (name: string) => page.locator('prealert-reminder li.card', { hasText: name });
    const visit = (taskId: string, chosen: CatalogueItem[], opened: Date) =>
      outpatientOrders(regular, taskId, chosen, opened);

    // Last month's visit: both continued, each with its own typed reason.
    await analyse(
      page,
      visit('T-CAP-CHAIN-1', [items[0]!, items[2]!], new Date(Date.now() - 28 * 24 * 60 * 60 * 1000)),
    );
    for (const [name, reason] of Object.entries(reasons)) {
      await card(name).focus();
      await page.keyboard.press('c');
      await card(name).locator('input.reason-text').focus();
      await page.keyboard.insertText(reason);
      await page.keyboard.press('Enter');
      await card(name).locator('.state.recorded').waitFor({ timeout: 10_000 });
    }

    // This visit: the two again, and 阿利沙坦酯 new.
    const taskId = 'T-CAP-CHAIN-2';
    await analyse(page, visit(taskId, [items[0]!, items[2]!, items[1]!], new Date()));
    expect((await panel(page)).button).toBe('全部确认继续执行（1 条仅需确认，2 条填入上次理由待核对）A');
    await page.keyboard.press('F8');
    await page.keyboard.press('a');
    const openForms = () =>
      page.evaluate(() =>
        [...document.querySelector('prealert-reminder')!.shadowRoot!.querySelectorAll('li.card')]
          .filter((li) => !(li.querySelector('form.reason-form') as HTMLElement).hidden)
          .map((li) => (li.querySelector('input.reason-text') as HTMLInputElement).value),
      );
    const listed = (await panel(page)).cards.map((c) => c.text);
    const [first, second] = Object.entries(reasons)
      .map(([name, reason]) => ({ name, reason, at: listed.findIndex((text) => text.includes(name)) }))
      .sort((a, b) => a.at - b.at);
    // One form at a time, in the list's order.
    expect(await openForms()).toEqual([first!.reason]);
    await page.keyboard.press('Enter');
    await card(first!.name).locator('.state.recorded').waitFor({ timeout: 10_000 });
    expect(await openForms()).toEqual([second!.reason]);
    const secondJr = (await card(second!.name).getAttribute('data-jr-id')) ?? '';
    expect((await taskDispositions(stack.sidecar.url, taskId))[secondJr]).toBeUndefined();
    await page.keyboard.press('Enter');
    await card(second!.name).locator('.state.recorded').waitFor({ timeout: 10_000 });
    expect((await taskDispositions(stack.sidecar.url, taskId))[secondJr]).toEqual(
      expect.objectContaining({ dspo_way: '1', dspo_way_rea: second!.reason }),
    );
    expect(await openForms()).toEqual([]);
    expect((await panel(page)).progress).toBe('已处理 3/3');

    // The same two in yet another encounter: Esc on the first form stops the run, the second is not opened.
    await analyse(page, visit('T-CAP-CHAIN-3', [items[0]!, items[2]!], new Date(Date.now() - 24 * 60 * 60 * 1000)));
    expect((await panel(page)).button).toBe('全部确认继续执行（2 条填入上次理由待核对）A');
    await page.keyboard.press('F8');
    await page.keyboard.press('a');
    expect(await openForms()).toHaveLength(1);
    await page.keyboard.press('Escape');
    expect(await openForms()).toEqual([]);
    expect((await panel(page)).progress).toBe('已处理 0/2');
    // Answering that warning later on her own (C Enter) does not start the run again.
    await page.keyboard.press('c');
    await page.keyboard.press('Enter');
    await feedbackDrained(page, 10_000);
    expect((await panel(page)).progress).toBe('已处理 1/2');
    expect(await openForms()).toEqual([]);
    await page.close();
  }, 90_000);

  it('is not offered for a single warning that only asks for a confirmation', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const input = buildAnalysisInput({
      patient: { ...patient, id: 'CONFIRM-ONE' },
      visit: 'outpatient',
      orders: [items[0]!, items[4]!].map((item, i) => ({ rxId: `RX-C1-${i + 1}`, item, cnt: 1 })),
      taskId: 'T-CONFIRM-ALL-2',
      now: new Date(),
    });
    const shown = await analyse(page, input);
    expect(shown.rules).toEqual(['药品儿童专用', '药品限适应症']);
    const single = await panel(page);
    expect(single.button).toBeNull();
    // A does nothing here, so the hints do not list it.
    expect(single.hints).not.toContain('全部确认');
    expect(single.hints).toContain('Enter 确认 · Esc 取消');
    await page.keyboard.press('F8');
    await page.keyboard.press('a');
    expect((await panel(page)).progress).toBe('已处理 0/2');
    await page.close();
  }, 60_000);

  it('sends a reason for C Enter on a warning that only asks for a confirmation: the host’s own, or the default', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const taskId = 'T-CONFIRM-ALL-3';
    const input = buildAnalysisInput({
      patient: { ...patient, id: 'CONFIRM-C' },
      visit: 'outpatient',
      orders: [items[0]!, items[1]!].map((item, i) => ({ rxId: `RX-CC-${i + 1}`, item, cnt: 1 })),
      taskId,
      now: new Date(),
    });
    const shown = await analyse(page, input);
    expect(shown.rules).toEqual(['药品限适应症', '药品限适应症']);
    const exenatide = page.locator('prealert-reminder li.card', { hasText: '艾塞那肽注射液' });
    const allisartan = page.locator('prealert-reminder li.card', { hasText: '阿利沙坦酯片' });

    // C Enter, as the README has it for confirm: no reason typed, the default one sent.
    await exenatide.focus();
    for (const key of ['c', 'Enter']) await page.keyboard.press(key);
    // A hospital words it its own way (`confirm-reason`).
    await page.evaluate(() =>
      document.querySelector('prealert-reminder')!.setAttribute('confirm-reason', '已核对适应症'),
    );
    await allisartan.focus();
    for (const key of ['c', 'Enter']) await page.keyboard.press(key);
    await allisartan.locator('.state.recorded').waitFor({ timeout: 10_000 });
    await exenatide.locator('.state.recorded').waitFor({ timeout: 10_000 });
    expect(await exenatide.locator('.chosen').textContent()).toBe('已选择：继续执行（已阅知，确认继续）');
    expect(await allisartan.locator('.chosen').textContent()).toBe('已选择：继续执行（已核对适应症）');

    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    const reasonOf = async (card: typeof exenatide) => recorded[(await card.getAttribute('data-jr-id')) ?? ''];
    expect(await reasonOf(exenatide)).toEqual(
      expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已阅知，确认继续' }),
    );
    expect(await reasonOf(allisartan)).toEqual(
      expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已核对适应症' }),
    );
    await page.close();
  }, 60_000);
});
