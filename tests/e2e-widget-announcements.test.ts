/**
 * One announcement per change of the panel's state: the demo's embed page in real headless Chromium against the
 * real sidecar, every live region of the widget (its announcer, its notice, each card's delivery state) listened to
 * while the host checks, shows warnings, loses the sidecar and gets it back.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRequest, type Line } from './support/demo-request';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('announcements');
}, 120_000);

afterAll(() => stack?.stop());

/**
 * Starts recording what the widget's live regions say. A region speaks when its text is written (the same text
 * included, and an emptied region is an update too), so each mutation batch that writes a region counts once, with
 * its text then; a region inside something hidden says nothing.
 */
function listen(page: Page): Promise<void> {
  return page.evaluate(() => {
    const heard: string[] = [];
    (window as unknown as { heard: string[] }).heard = heard;
    const regionOf = (node: Node | null): Element | null => {
      for (let at: Node | null = node; at; at = at.parentNode) {
        if (!(at instanceof Element)) continue;
        const live = at.getAttribute('aria-live');
        const role = at.getAttribute('role');
        if ((live && live !== 'off') || role === 'status' || role === 'alert') return at;
      }
      return null;
    };
    const observer = new MutationObserver((records) => {
      const written = new Set<Element>();
      for (const record of records) {
        const region = regionOf(record.target);
        if (region) written.add(region);
      }
      for (const region of written) if (!region.closest('[hidden]')) heard.push(region.textContent ?? '');
    });
    const root = document.querySelector('prealert-reminder')!.shadowRoot!;
    observer.observe(root, { subtree: true, childList: true, characterData: true });
  });
}

type Step = 'showChecking' | 'showSame' | 'showNew' | 'showNone' | 'showUnavailable' | 'showRecorded';

/** Does one step as a host does it, and returns what the live regions said for it. */
function step(page: Page, what: Step, taskId: string): Promise<string[]> {
  return page.evaluate(
    async ({ what, taskId }) => {
      type Result = { jr_id: string };
      const el = document.querySelector('prealert-reminder') as HTMLElement & {
        currentResults: readonly Result[];
        show(results: readonly Result[], options: Record<string, unknown>): void;
        showChecking(): void;
        showUnavailable(detail: string): void;
      };
      const w = window as unknown as { heard: string[]; shownResults?: readonly Result[] };
      w.shownResults ??= el.currentResults;
      w.heard.length = 0;
      if (what === 'showChecking') el.showChecking();
      else if (what === 'showUnavailable') el.showUnavailable('无法连接本机医保提醒服务');
      else if (what === 'showNone') el.show([], { infno: '3101', taskId });
      else if (what === 'showRecorded') {
        // Both already answered 继续执行 and recorded (as the sidecar's reminder page passes them on).
        const dispositions = Object.fromEntries(
          w.shownResults.map((r) => [r.jr_id, { dspo_way: '1', dspo_way_rea: '临床必需' }]),
        );
        el.show(w.shownResults, { infno: '3101', taskId, dispositions });
      } else el.show(w.shownResults, { infno: '3101', taskId });
      // Past the microtasks and the observer's callbacks the change queued.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return [...w.heard];
    },
    { what, taskId },
  );
}

describe('the widget live regions', () => {
  it('say each change of state once: checking, warnings, unavailable, back, none', async () => {
    const page = await stack.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const taskId = await openEmbed(page, stack.demo.url);

    // One warning answered (返回修改 on 药品区分性别使用, the other stays open) and recorded by the sidecar.
    await page.locator('prealert-reminder li.card', { hasText: '药品区分性别使用' }).focus();
    await page.keyboard.press('m');
    await page.locator('prealert-reminder .outcome .state', { hasText: '已记录' }).waitFor({ timeout: 10_000 });
    await listen(page);
    // Shown again after the outage, the same results (their task_id the one her 返回修改 answered): that warning is
    // answered (已处理 1/2), so only the other is news to act on, and the answered one is said apart.
    const fresh = '新增医保提醒 1 条。明确违规 1 条。另有 1 条此前已处理';

    // An edit re-checked with the same warnings: nothing new to say, the recorded answer is not news again.
    expect(await step(page, 'showChecking', taskId)).toEqual([]);
    expect(await step(page, 'showSame', taskId)).toEqual([]);
    // The sidecar goes away: said once, and not again for the checks while it stays away.
    expect(await step(page, 'showChecking', taskId)).toEqual([]);
    // The announcer emptied and the alert, one change: what it said before is not true while the sidecar is away.
    expect(await step(page, 'showUnavailable', taskId)).toEqual(['', '医保提醒暂不可用，不影响继续开立']);
    expect(await step(page, 'showChecking', taskId)).toEqual([]);
    expect(await step(page, 'showUnavailable', taskId)).toEqual([]);
    // Back: from checking to the warnings, one sentence.
    expect(await step(page, 'showChecking', taskId)).toEqual([]);
    expect(await step(page, 'showNew', `${taskId}-2`)).toEqual([fresh]);
    // The next edit resolves both.
    expect(await step(page, 'showChecking', `${taskId}-3`)).toEqual([]);
    expect(await step(page, 'showNone', `${taskId}-3`)).toEqual(['医保提醒已全部消除']);
    // And brings them back: the same sentence as before, said again.
    expect(await step(page, 'showChecking', `${taskId}-4`)).toEqual([]);
    expect(await step(page, 'showNew', `${taskId}-4`)).toEqual([fresh]);
    // Two pieces of news of one change (back, and already recorded) are one update that says both.
    expect(await step(page, 'showNone', `${taskId}-5`)).toEqual(['医保提醒已全部消除']);
    // Back with both already answered: nothing new needs the doctor, and that is what is said.
    expect(await step(page, 'showRecorded', `${taskId}-6`)).toEqual(['医保提醒 2 条均已处理 全部提醒已处理并记录']);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

// Real national codes, for a woman of 36 at an outpatient visit: 他达拉非片 (药品区分性别使用, 高度可疑), 复方氨基酸注射液
// (18AA) (药品限就医方式, 明确违规), 小儿布洛芬栓 (药品儿童专用, 高度可疑).
const TADALAFIL = 'XG04BET001A001010100299';
const AMINO_ACIDS = 'XB05BAF150B002010100269';
const IBUPROFEN_CHILDREN = 'XM01AEX094D001010101792';

/** The embed page, showing the host's own analyses (an encounter of each test's own) instead of its example. */
async function hostPage(): Promise<Page> {
  const page = await stack.context.newPage();
  await page.goto(`${stack.demo.url}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  return page;
}

/** What the live regions say for one re-analysis of the host (its own task_id, as the README asks). */
async function heardFor(page: Page, patient: string, taskId: string, lines: Line[]): Promise<string[]> {
  await listen(page);
  await analyse(page, demoRequest(patient, taskId, lines));
  return page.evaluate(async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return [...(window as unknown as { heard: string[] }).heard];
  });
}

const announcer = (page: Page) =>
  page.evaluate(
    () => document.querySelector('prealert-reminder')!.shadowRoot!.querySelector('.sr-only')?.textContent ?? '',
  );

describe('a re-analysis', () => {
  it('says so when a warning answered before is open again', async () => {
    const page = await hostPage();
    const lines = [
      { rxId: 'RX-AA-1', code: TADALAFIL },
      { rxId: 'RX-AA-2', code: AMINO_ACIDS },
    ];
    await analyse(page, demoRequest('ANN-AGAIN', 'T-ANN-AGAIN-1', lines));
    // 返回修改 on the 明确违规 warning, 继续执行 on the other; both recorded: everything is done.
    await page.locator('prealert-reminder li.card', { hasText: '复方氨基酸注射液' }).focus();
    await page.keyboard.press('m');
    await page.locator('prealert-reminder li.card', { hasText: '他达拉非片' }).focus();
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    await page.locator('prealert-reminder .state.recorded').nth(1).waitFor({ timeout: 10_000 });
    await page.waitForFunction(
      () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('.sr-only')?.textContent !== '',
    );
    expect(await announcer(page)).toBe('全部提醒已处理并记录');

    // The doctor changed the order, but not enough: the next analysis still finds the 明确违规 warning, and her
    // 返回修改 answered only the analysis before.
    expect(await heardFor(page, 'ANN-AGAIN', 'T-ANN-AGAIN-2', lines)).toEqual(['1 条提醒需再次处理。明确违规 1 条']);
    expect(await announcer(page)).toBe('1 条提醒需再次处理。明确违规 1 条');
    // Shown again unchanged (the same analysis), it is not news again.
    expect(await heardFor(page, 'ANN-AGAIN', 'T-ANN-AGAIN-3', lines)).toEqual([]);
    await page.close();
  }, 60_000);

  it('says a warning answered before clear() and open again after it needs handling again, not 「新增」', async () => {
    const page = await hostPage();
    const lines = [{ rxId: 'RX-AK-1', code: AMINO_ACIDS }];
    await analyse(page, demoRequest('ANN-CLEAR', 'T-ANN-CLEAR-1', lines));
    await page.locator('prealert-reminder li.card').first().focus();
    await page.keyboard.press('m');
    await page.locator('prealert-reminder .outcome .state', { hasText: '已记录' }).waitFor({ timeout: 10_000 });

    // The HIS empties the panel (a request the sidecar refused, or the HIS's patient list was clicked and the same
    // patient opened again), then analyses the same order again: her 返回修改 answered only the analysis before.
    await page.evaluate(() => (document.querySelector('prealert-reminder') as HTMLElement & { clear(): void }).clear());
    expect(await heardFor(page, 'ANN-CLEAR', 'T-ANN-CLEAR-2', lines)).toEqual(['1 条提醒需再次处理。明确违规 1 条']);
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 0/1');
    await page.close();
  }, 60_000);

  it('counts by severity only the warnings it adds, and says how many are shown in all', async () => {
    const page = await hostPage();
    const lines = [
      { rxId: 'RX-AN-1', code: TADALAFIL },
      { rxId: 'RX-AN-2', code: AMINO_ACIDS },
    ];
    expect(await heardFor(page, 'ANN-NEW', 'T-ANN-NEW-1', lines)).toEqual([
      '新增医保提醒 2 条。明确违规 1 条，高度可疑 1 条',
    ]);
    const added = [...lines, { rxId: 'RX-AN-3', code: IBUPROFEN_CHILDREN }];
    expect(await heardFor(page, 'ANN-NEW', 'T-ANN-NEW-2', added)).toEqual([
      '新增医保提醒 1 条。高度可疑 1 条。共 3 条',
    ]);
    await page.close();
  }, 60_000);

  it('counts as new only what needs the doctor: a warning continued in an earlier answer is said apart', async () => {
    const lines = [
      { rxId: 'RX-AC-1', code: TADALAFIL },
      { rxId: 'RX-AC-2', code: AMINO_ACIDS },
    ];
    const first = await hostPage();
    await analyse(first, demoRequest('ANN-CONT', 'T-ANN-CONT-1', lines));
    const tadalafil = first.locator('prealert-reminder li.card', { hasText: '他达拉非片' });
    await tadalafil.focus();
    for (const key of ['c', '1', 'Enter']) await first.keyboard.press(key);
    await tadalafil.locator('.state.recorded').waitFor({ timeout: 10_000 });
    await first.close();

    // The doctor opens the order again: both warnings are new to this page, but the sidecar marks the one she
    // continued (prior_dspo), and only the other asks anything of her.
    const again = await hostPage();
    expect(await heardFor(again, 'ANN-CONT', 'T-ANN-CONT-2', lines)).toEqual([
      '新增医保提醒 1 条。明确违规 1 条。另有 1 条此前已处理',
    ]);
    expect(await again.locator('prealert-reminder .progress').textContent()).toBe('已处理 1/2');
    await again.close();
  }, 60_000);
});

describe('the sidecar going away', () => {
  it('does not leave 「全部提醒已处理并记录」 in the live region while the service is unreachable', async () => {
    const page = await hostPage();
    await analyse(page, demoRequest('ANN-DOWN', 'T-ANN-DOWN-1', [{ rxId: 'RX-AD-1', code: AMINO_ACIDS }]));
    await page.locator('prealert-reminder li.card').first().focus();
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    await page.waitForFunction(
      () =>
        document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('.sr-only')?.textContent ===
        '全部提醒已处理并记录',
      null,
      { timeout: 10_000 },
    );
    // The host's next 3101 gets no answer (the sidecar stopped): it fails open, as the README's host code does.
    await page.evaluate(() => {
      const el = document.querySelector('prealert-reminder') as HTMLElement & {
        showChecking(): void;
        showUnavailable(detail: string): void;
      };
      el.showChecking();
      el.showUnavailable('Failed to fetch');
    });
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    const regions = await page.evaluate(() => {
      const root = document.querySelector('prealert-reminder')!.shadowRoot!;
      return [...root.querySelectorAll('[aria-live], [role="status"], [role="alert"]')]
        .filter((region) => !region.closest('[hidden]'))
        .map((region) => region.textContent ?? '')
        .filter((text) => text !== '');
    });
    expect(regions).toEqual(['医保提醒暂不可用，不影响继续开立']);
    await page.close();
  }, 60_000);

  it('says a warning answered 返回修改 before the outage and found again after it needs handling again', async () => {
    const page = await hostPage();
    const lines = [{ rxId: 'RX-AB-1', code: AMINO_ACIDS }];
    await analyse(page, demoRequest('ANN-BACK', 'T-ANN-BACK-1', lines));
    await page.locator('prealert-reminder li.card').first().focus();
    await page.keyboard.press('m');
    await page.locator('prealert-reminder .outcome .state', { hasText: '已记录' }).waitFor({ timeout: 10_000 });

    // The doctor edits the order while the sidecar is down: the host's 3101 gets no answer and it fails open, as the
    // README's host code does.
    await stack.stopSidecar();
    const outcome = await page.evaluate(
      async (analysed) => {
        const lib = (
          window as unknown as { PrealertWidget: { callService: (...args: unknown[]) => Promise<{ kind: string }> } }
        ).PrealertWidget;
        const el = document.querySelector('prealert-reminder') as HTMLElement & {
          showChecking(): void;
          showUnavailable(detail: string): void;
        };
        el.showChecking();
        const got = await lib.callService('3101', analysed, { sidecar: el.getAttribute('sidecar'), timeoutMs: 3000 });
        if (got.kind !== 'ok') el.showUnavailable(got.kind);
        return got.kind;
      },
      demoRequest('ANN-BACK', 'T-ANN-BACK-2', lines),
    );
    expect(outcome).not.toBe('ok');
    await stack.startSidecarAgain();
    await page.waitForFunction(
      () =>
        document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('.sr-only')?.textContent ===
        '医保提醒已恢复',
      null,
      { timeout: 30_000 },
    );

    // The edit did not remove the line: the 明确违规 warning is found again, and her 返回修改 answered only the
    // analysis before the outage. It is one to handle again, not a new one.
    expect(await heardFor(page, 'ANN-BACK', 'T-ANN-BACK-3', lines)).toEqual(['1 条提醒需再次处理。明确违规 1 条']);
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 0/1');
    await page.close();
  }, 60_000);
});
