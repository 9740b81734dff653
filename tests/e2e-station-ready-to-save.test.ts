/**
 * One "may the HIS save now" signal from <prealert-reminder>: `readyToSave` / `saveReadiness` and the
 * `prealert-readiness` event, through every case a HIS had to combine itself (warnings open, 返回修改, an analysis
 * still running, a 3103 not yet delivered, the sidecar gone = fail open), on the demo station whose 保存医嘱 now
 * follows it. Real headless Chromium, the real sidecar killed with SIGKILL.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';
import { continueRules, save } from './support/demo-station';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('ready-to-save');
}, 120_000);

afterAll(() => stack?.stop());

interface Readiness {
  ready: boolean;
  reason: string;
  open: number;
  modify: number;
  refused: number;
  pending: number;
}

type Reminder = HTMLElement & {
  readyToSave: boolean;
  saveReadiness: Readiness;
  pendingFeedback: number;
  currentResults: readonly { jr_id: string; rule_name: string }[];
  decide(jrId: string, disposition: 'continue' | 'modify', reason?: string): string | undefined;
};

const readiness = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('prealert-reminder') as Reminder;
    return { ...el.saveReadiness, readyToSave: el.readyToSave };
  });

/** The details of every prealert-readiness event so far. */
const events = (page: Page) =>
  page.evaluate(() => (window as unknown as { readiness: Readiness[] }).readiness.map((r) => ({ ...r })));

const waitFor = (page: Page, reason: string, pending?: number) =>
  page.waitForFunction(
    ({ reason, pending }) => {
      const r = (document.querySelector('prealert-reminder') as Reminder).saveReadiness;
      return r.reason === reason && (pending === undefined || r.pending === pending);
    },
    { reason, pending },
    { timeout: 10_000 },
  );

const none = { open: 0, modify: 0, refused: 0, pending: 0 };

describe('readyToSave', () => {
  it('covers open, 返回修改, checking, undelivered and unavailable, and the station saves by it', async () => {
    const page = await stack.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(() => {
      const seen: unknown[] = [];
      (window as unknown as { readiness: unknown[] }).readiness = seen;
      document.addEventListener('prealert-readiness', (event) => seen.push((event as CustomEvent).detail));
    });
    await openStation(page, stack.demo.url);
    expect(await readiness(page)).toEqual({ ready: true, readyToSave: true, reason: 'no-warnings', ...none });

    await page.locator('#demo-fill').click();
    // From the edit on, until its analysis answers, saving waits.
    expect(await readiness(page)).toMatchObject({ ready: false, reason: 'checking' });
    await waitFor(page, 'unanswered');
    expect(await readiness(page)).toEqual({ ready: false, readyToSave: false, reason: 'unanswered', ...none, open: 4 });
    expect(await save(page)).toBe('未保存：4 条医保提醒未处理。可按 F8 逐条处理。');

    // Three continued, the child-only suppository sent back with M.
    expect(
      await continueRules(page, ['药品限就医方式', '医疗服务项目重复收费', '药品区分性别使用'], '临床必需'),
    ).toEqual(['ok', 'ok', 'ok']);
    await page.locator('prealert-reminder li.card', { hasText: '药品儿童专用' }).focus();
    await page.keyboard.press('m');
    await waitFor(page, 'unanswered', 0);
    expect(await readiness(page)).toEqual({
      ready: false,
      readyToSave: false,
      reason: 'unanswered',
      ...none,
      modify: 1,
    });
    expect(await save(page)).toContain('1 条已选择返回修改');

    // The doctor changes her mind: 继续执行 on it too. Every answer recorded: ready.
    expect(await continueRules(page, ['药品儿童专用'], '已知情同意')).toEqual(['ok']);
    await waitFor(page, 'answered', 0);
    expect(await readiness(page)).toEqual({ ready: true, readyToSave: true, reason: 'answered', ...none });
    expect(await page.locator('#save').getAttribute('data-ready')).toBe('true');
    expect(await save(page)).toBe('医嘱已保存（演示，不写入任何系统）。');

    // The sidecar dies; a changed answer cannot be delivered yet. Still ready: the widget keeps resending it.
    stack.sidecar.child.kill('SIGKILL');
    expect(await continueRules(page, ['药品儿童专用'], '临床必需')).toEqual(['ok']);
    await page.waitForFunction(() => {
      const el = document.querySelector('prealert-reminder') as Reminder;
      return el.shadowRoot?.querySelector('.state.queued') !== null;
    });
    expect(await readiness(page)).toEqual({ ready: true, readyToSave: true, reason: 'answered', ...none, pending: 1 });
    expect(await save(page)).toContain('1 条继续执行的理由尚在送达');

    // An edit with the sidecar gone: checking, then unavailable = fail-open, ready.
    await page.locator('input[aria-label="葡萄糖测定 数量"]').fill('2');
    await page.keyboard.press('Tab');
    expect(await readiness(page)).toMatchObject({ ready: false, reason: 'checking' });
    await waitFor(page, 'unavailable');
    expect(await readiness(page)).toEqual({ ready: true, readyToSave: true, reason: 'unavailable', ...none });
    expect(await save(page)).toBe('医嘱已保存（演示，不写入任何系统）。');

    // The event told the host each change, the last one being the state now; never twice the same in a row.
    const seen = await events(page);
    expect(seen.at(-1)).toEqual({ ready: true, reason: 'unavailable', ...none });
    const reasons = seen.map((r) => r.reason);
    for (const reason of ['no-warnings', 'checking', 'unanswered', 'answered', 'unavailable'])
      expect(reasons).toContain(reason);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]).not.toEqual(seen[i - 1]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
