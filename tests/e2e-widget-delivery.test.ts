/**
 * <prealert-reminder> on the demo's minimal host page (examples/web-his/public/embed.html) in real headless
 * Chromium against the real sidecar: the Tab order (one stop per warning, buttons by ←/→), "complete" only once
 * the sidecar has recorded every answer, and no retries from an element the host removed.
 */
import net from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisEnvelope } from '../sidecar/test/fixtures/his-requests';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { feedbackDrained } from './support/pending-feedback';
import { taskDispositions as fetchTaskDispositions } from './support/task-dispositions';

let stack: DemoStack;
let demo: DemoStack['demo'];
let sidecar: DemoStack['sidecar'];
let context: DemoStack['context'];

beforeAll(async () => {
  stack = await startDemoStack('delivery');
  ({ demo, sidecar, context } = stack);
}, 120_000);

afterAll(() => stack?.stop());

/** What has keyboard focus inside the widget. */
function focused(page: Page) {
  return page.evaluate(() => {
    let active: Element | null = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    const card = active?.closest('li.card');
    return {
      tag: active?.tagName.toLowerCase() ?? '',
      className: active?.className ?? '',
      cardRule: card?.querySelector('.rule')?.textContent ?? '',
    };
  });
}

type Reminder = HTMLElement & {
  pendingFeedback: number;
  currentResults: readonly { jr_id: string; rule_name: string }[];
  decide(jrId: string, disposition: 'continue' | 'modify', reason?: string): string | undefined;
};

const taskDispositions = (taskId: string) => fetchTaskDispositions(sidecar.url, taskId);

describe('keyboard: one Tab stop per warning', () => {
  it('Tab and Shift+Tab move between warnings, ←/→ between the warning and its buttons', async () => {
    const page = await context.newPage();
    await openEmbed(page, demo.url);
    const tabbableButtons = await page.evaluate(() =>
      [
        ...(document
          .querySelector('prealert-reminder')
          ?.shadowRoot?.querySelectorAll('li.card .actions button, li.card .outcome button') ?? []),
      ]
        .filter((b) => (b as HTMLButtonElement).tabIndex >= 0)
        .map((b) => b.textContent),
    );
    expect(tabbableButtons).toEqual([]);

    await page.keyboard.press('F8');
    expect(await focused(page)).toMatchObject({ tag: 'li', cardRule: '药品限就医方式' });
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'li', cardRule: '药品区分性别使用' });
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ tag: 'li', cardRule: '药品限就医方式' });

    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toMatchObject({ tag: 'button', className: 'modify', cardRule: '药品限就医方式' });
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toMatchObject({ tag: 'button', className: 'continue' });
    await page.keyboard.press('ArrowLeft');
    expect(await focused(page)).toMatchObject({ tag: 'button', className: 'modify' });
    await page.keyboard.press('ArrowLeft');
    expect(await focused(page)).toMatchObject({ tag: 'li', cardRule: '药品限就医方式' });

    // From a button, Tab still goes to the next warning, not to the button next to it.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'li', cardRule: '药品区分性别使用' });
    // Past the last warning, Tab leaves the panel.
    await page.keyboard.press('Tab');
    expect((await focused(page)).cardRule).toBe('');
    await page.close();
  }, 60_000);
});

describe('"complete" means recorded', () => {
  it('announces prealert-answered at the last answer, prealert-complete only once the sidecar recorded both', async () => {
    const page = await context.newPage();
    const taskId = await openEmbed(page, demo.url);
    await page.evaluate(() => {
      const el = document.querySelector('prealert-reminder') as Reminder;
      const log: string[] = [];
      (window as unknown as { events: string[] }).events = log;
      el.addEventListener('prealert-answered', () => log.push(`answered pending=${el.pendingFeedback}`));
      el.addEventListener('prealert-complete', () => log.push(`complete pending=${el.pendingFeedback}`));
    });
    const events = () => page.evaluate(() => (window as unknown as { events: string[] }).events.slice());

    sidecar.child.kill('SIGSTOP');
    try {
      await page.evaluate(() => {
        const el = document.querySelector('prealert-reminder') as Reminder;
        for (const result of el.currentResults) el.decide(result.jr_id, 'modify');
      });
      expect(await events()).toEqual(['answered pending=2']);
      // The first 3103 times out (800 ms by default) and waits for a retry: still not complete.
      await page.waitForFunction(
        () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.queued'),
        null,
        { timeout: 10_000 },
      );
      expect(await events()).toEqual(['answered pending=2']);
    } finally {
      sidecar.child.kill('SIGCONT');
    }

    await page.waitForFunction(() => (window as unknown as { events: string[] }).events.length === 2, null, {
      timeout: 20_000,
    });
    expect(await events()).toEqual(['answered pending=2', 'complete pending=0']);
    const dispositions = await taskDispositions(taskId);
    expect(Object.values(dispositions).map((d) => d.dspo_way)).toEqual(['2', '2']);
    await page.close();
  }, 60_000);
});

describe('an element the host removes', () => {
  it('stops retrying while detached and delivers the queued answer when attached again', async () => {
    const page = await context.newPage();
    const taskId = await openEmbed(page, demo.url);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let attempts = 0;
    page.on('request', (request) => {
      if (request.url().startsWith(`http://127.0.0.1:${deadPort}/`)) attempts += 1;
    });

    const jrId = await page.evaluate((port) => {
      const el = document.querySelector('prealert-reminder') as Reminder;
      el.setAttribute('sidecar', `http://127.0.0.1:${port}`);
      const first = el.currentResults[0]!;
      el.decide(first.jr_id, 'modify');
      return first.jr_id;
    }, deadPort);
    await page.waitForFunction(() =>
      document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.queued'),
    );
    await page.evaluate(() => {
      (window as unknown as { detached: Element }).detached = document.querySelector('prealert-reminder')!;
      document.querySelector('prealert-reminder')!.remove();
    });
    const beforeWait = attempts;
    expect(beforeWait).toBeGreaterThanOrEqual(1);
    // Retries come after 1 s, then 2 s: a detached element that kept its timers would try again within 3.5 s.
    await page.waitForTimeout(3500);
    expect(attempts).toBe(beforeWait);
    expect(
      await page.evaluate(() => ((window as unknown as { detached: Reminder }).detached as Reminder).pendingFeedback),
    ).toBe(1);

    await page.evaluate((url) => {
      const el = (window as unknown as { detached: Reminder }).detached;
      el.setAttribute('sidecar', url);
      document.body.append(el);
    }, sidecar.url);
    await feedbackDrained(page, 10_000);
    expect((await taskDispositions(taskId))[jrId]).toMatchObject({ dspo_way: '2' });
    await page.close();
  }, 60_000);
});

describe('返回修改 answers the analysis it was given on', () => {
  it('asks again when the next analysis still finds the warning, on the station and on the sidecar page', async () => {
    const page = await context.newPage();
    await openStation(page, demo.url);
    await page.evaluate(() => {
      const log: string[] = [];
      (window as unknown as { events: string[] }).events = log;
      for (const type of ['prealert-answered', 'prealert-complete'])
        document.addEventListener(type, (event) => log.push(`${type} ${(event as CustomEvent).detail.taskId}`));
    });
    const events = () => page.evaluate(() => (window as unknown as { events: string[] }).events.slice());
    const progress = () => page.locator('prealert-reminder .progress').textContent();
    const card = page.locator('prealert-reminder li.card');

    // An adult given a children-only drug: 药品儿童专用, continuing needs a reason (wf_impact "reason").
    await page.keyboard.type('小儿布洛芬栓');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('1 条提醒'), null, {
      timeout: 10_000,
    });
    const first = await page.evaluate(() => document.body.dataset.taskId!);
    await page.keyboard.press('F8');
    await page.keyboard.press('m'); // 返回修改: focus goes to the line's quantity
    await feedbackDrained(page);
    expect(await events()).toEqual([`prealert-answered ${first}`, `prealert-complete ${first}`]);
    expect(await progress()).toBe('已处理 1/1');

    // The doctor changes only the quantity: the next analysis finds the same warning (same jr_id).
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2');
    await page.keyboard.press('Tab');
    await page.waitForFunction((old) => document.body.dataset.taskId !== old, first, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('1 条提醒'));
    const second = await page.evaluate(() => document.body.dataset.taskId!);
    expect(await progress()).toBe('已处理 0/1');
    expect(await card.evaluate((li) => li.classList.contains('decided'))).toBe(false);
    expect(await card.locator('.outcome').isHidden()).toBe(true);
    // Only a reminder of what she chose before, so she need not wonder (display only: it answers nothing).
    expect(await card.locator('.earlier').isVisible()).toBe(true);
    expect(await card.locator('.earlier').textContent()).toBe('上次选择：返回修改');
    expect(await events()).toEqual([`prealert-answered ${first}`, `prealert-complete ${first}`]);
    // And continuing still needs its reason.
    await page.keyboard.press('F8');
    await page.keyboard.press('c');
    await page.keyboard.press('Enter');
    expect(await card.locator('.error').textContent()).toBe('继续执行须选择或填写理由');

    // The sidecar keeps the 返回修改 under the jr_id; its page for the new analysis must not count it either,
    // while its page for the analysis it was given on still does.
    const secondPage = await context.newPage();
    await secondPage.goto(`${sidecar.url}/ui/reminder/${encodeURIComponent(second)}`);
    await secondPage.locator('prealert-reminder li.card').waitFor();
    expect(await secondPage.locator('prealert-reminder .progress').textContent()).toBe('已处理 0/1');
    expect(await secondPage.title()).not.toBe('医保提醒：已处理');
    expect(await secondPage.locator('prealert-reminder li.card .earlier').isVisible()).toBe(true);
    const firstPage = await context.newPage();
    await firstPage.goto(`${sidecar.url}/ui/reminder/${encodeURIComponent(first)}`);
    await firstPage.waitForFunction(() => document.title === '医保提醒：已处理', null, { timeout: 10_000 });
    expect(await firstPage.locator('prealert-reminder .progress').textContent()).toBe('已处理 1/1');
    expect(await firstPage.locator('prealert-reminder li.card .earlier').isHidden()).toBe(true);

    // Given again on the new analysis, 返回修改 answers it, and the reminder gives way to the answer.
    await page.keyboard.press('Escape');
    await page.keyboard.press('m');
    expect(await progress()).toMatch(/^已处理 1\/1/);
    expect(await card.locator('.earlier').isHidden()).toBe(true);
    expect(await card.locator('.chosen').textContent()).toBe('已选择：返回修改');
    await Promise.all([firstPage.close(), secondPage.close(), page.close()]);
  }, 60_000);
});

describe('one decision, one 3103', () => {
  it('sends nothing more for a held key, or for the same answer given again on an answered warning', async () => {
    const page = await context.newPage();
    const taskId = await openEmbed(page, demo.url);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(sidecar.url) || request.method() !== 'POST') return;
      const envelope = JSON.parse(request.postData() ?? '{}') as {
        infno: string;
        input: { data: { warns: { dspo_way: string; dspo_way_rea: string }[] } };
      };
      if (envelope.infno === '3103')
        sent.push(envelope.input.data.warns.map((w) => `${w.dspo_way}${w.dspo_way_rea}`).join(','));
    });
    // The host keeps focus in the panel after 返回修改 (its own table handles the edit).
    await page.evaluate(() =>
      document.querySelector('prealert-reminder')!.addEventListener('prealert-modify', (e) => e.preventDefault()),
    );
    const cards = page.locator('prealert-reminder li.card');

    await page.keyboard.press('F8');
    // M held down: the key repeats.
    await page.keyboard.down('m');
    await page.keyboard.down('m');
    await page.keyboard.down('m');
    await page.keyboard.up('m');
    await feedbackDrained(page);
    // M again on the warning already answered 返回修改.
    await cards.first().focus();
    await page.keyboard.press('m');
    await feedbackDrained(page);

    // 继续执行 with quick reason 1, then the same again through C, 1, Enter on the answered warning.
    for (let round = 0; round < 2; round++) {
      await cards.nth(1).focus();
      await page.keyboard.press('c');
      await page.keyboard.press('1');
      await page.keyboard.press('Enter');
      await feedbackDrained(page);
    }
    expect(await cards.locator('.state').allTextContents()).toEqual(['已记录', '已记录']);
    expect(sent).toEqual(['2', '1临床必需']);

    // A different answer is a new decision and goes out.
    await cards.first().focus();
    await page.keyboard.press('c');
    await page.keyboard.press('2');
    await page.keyboard.press('Enter');
    await feedbackDrained(page);
    expect(sent).toEqual(['2', '1临床必需', '1已知情同意']);
    const dispositions = await taskDispositions(taskId);
    expect(Object.values(dispositions).map((d) => d.dspo_way)).toEqual(['1', '1']);
    await page.close();
  }, 60_000);
});

describe('the next patient', () => {
  it("reports only the shown warnings' answers and answers a plain show() as its own 3101", async () => {
    const page = await context.newPage();
    await openEmbed(page, demo.url);
    const sentWarnTypes: string[] = [];
    page.on('request', (request) => {
      const envelope = JSON.parse(request.postData() ?? '{}') as {
        infno?: string;
        input?: { data?: { warn_type?: string } };
      };
      if (envelope.infno === '3103') sentWarnTypes.push(envelope.input?.data?.warn_type ?? '');
    });
    await page.evaluate(() => {
      const el = document.querySelector('prealert-reminder') as Reminder;
      for (const result of el.currentResults) el.decide(result.jr_id, 'modify');
    });
    await feedbackDrained(page);
    sentWarnTypes.length = 0;

    /** The sidecar's answer for another patient's encounter (its own 3101 or 3102). */
    const analyse = async (encounterId: string, infno: '3101' | '3102') => {
      const response = await fetch(`${sidecar.url}/fsi/api/rsfComIfsService/callService`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(analysisEnvelope({ encounterId, infno })),
      });
      return ((await response.json()) as { output: { result: { jr_id: string; task_id: string }[] } }).output.result;
    };
    type Shown = Reminder & {
      show(results: unknown[], options?: Record<string, unknown>): void;
      decisions: { jrId: string }[];
      taskId: string;
      warnType: string;
    };

    // Another patient on 事中 (3102): the first patient's answers are not this patient's.
    const inpatient = await analyse('ZY-NEXT-1', '3102');
    const afterInpatient = await page.evaluate((results) => {
      const el = document.querySelector('prealert-reminder') as Shown;
      el.show(results, { infno: '3102', taskId: results[0]!.task_id });
      return { decisions: el.decisions.length, warnType: el.warnType };
    }, inpatient);
    expect(afterInpatient).toEqual({ decisions: 0, warnType: '2' });

    // A third patient's 3101 shown without options: warn_type 1 and that analysis's task_id, not the last ones.
    const outpatient = await analyse('MZ-NEXT-2', '3101');
    const afterOutpatient = await page.evaluate((results) => {
      const el = document.querySelector('prealert-reminder') as Shown;
      el.show(results);
      el.decide(results[0]!.jr_id, 'modify');
      return { decisions: el.decisions.map((d) => d.jrId), warnType: el.warnType, taskId: el.taskId };
    }, outpatient);
    expect(afterOutpatient).toEqual({
      decisions: [outpatient[0]!.jr_id],
      warnType: '1',
      taskId: outpatient[0]!.task_id,
    });
    await feedbackDrained(page);
    expect(sentWarnTypes).toEqual(['1']);
    await page.close();
  }, 60_000);
});
