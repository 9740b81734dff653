/**
 * The demo station when the workstation's sidecar goes away and comes back (review /tmp/review-browser.md F1, F2, F6,
 * F7), in real headless Chromium against the built sidecar, restarted on the same port and data dir: an answer given
 * meanwhile survives a reload and is recorded once, under the doctor who gave it; the station notices the sidecar is
 * back and checks the order again; the header counts warnings, not 3103 attempts.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';
import { feedbackDrained, pendingFeedbackOf } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('outage');
}, 120_000);

afterAll(() => stack?.stop());

// Each test starts with the sidecar up, whatever the one before left (a failure before its restart included).
beforeEach(async () => {
  const { child } = stack.sidecar;
  if (child.exitCode !== null || child.signalCode !== null) await stack.startSidecarAgain();
}, 60_000);

type Reminder = HTMLElement & {
  currentResults: readonly { jr_id: string; rule_name: string }[];
  envelope: { opter?: string; opter_name?: string };
  saveReadiness: { ready: boolean; reason: string };
};

interface Sent3103 {
  jrId: string;
  opter: string;
  infcode: number | undefined;
}

/** Every 3103 the page posts, with the sidecar's infcode once answered. */
function watch3103(page: Page): Sent3103[] {
  const sent: Sent3103[] = [];
  const byRequest = new Map<unknown, Sent3103>();
  page.on('request', (request) => {
    if (!request.url().includes('/callService') || request.method() !== 'POST') return;
    const body = JSON.parse(request.postData() ?? '{}') as {
      infno?: string;
      opter?: string;
      input?: { data?: { warns?: { warn_rslt_id: string }[] } };
    };
    if (body.infno !== '3103') return;
    const entry: Sent3103 = {
      jrId: body.input?.data?.warns?.[0]?.warn_rslt_id ?? '',
      opter: body.opter ?? '',
      infcode: undefined,
    };
    sent.push(entry);
    byRequest.set(request, entry);
  });
  page.on('response', async (response) => {
    const entry = byRequest.get(response.request());
    if (!entry) return;
    const answer = (await response.json().catch(() => undefined)) as { infcode?: number | string } | undefined;
    entry.infcode = answer?.infcode === undefined ? undefined : Number(answer.infcode);
  });
  return sent;
}

/** The demo station with `patient` chosen, allowing the page the 20 s this file has always allowed it. */
async function stationFor(page: Page, patient: string): Promise<void> {
  await openStation(page, stack.demo.url, 20_000);
  await page.selectOption('#patient', patient);
}

async function addLine(page: Page, name: string): Promise<void> {
  await page.locator('#entry-item').fill(name);
  await page.locator('#entry-item').press('Enter');
}

/** Waits for the analysis to show `count` warnings; returns their jr_ids and the task. */
async function warnings(page: Page, count: number): Promise<{ jrIds: string[]; taskId: string }> {
  await page.waitForFunction(
    (n) => (document.querySelector('prealert-reminder') as Reminder).currentResults.length === n,
    count,
    { timeout: 15_000 },
  );
  return page.evaluate(() => ({
    jrIds: (document.querySelector('prealert-reminder') as Reminder).currentResults.map((r) => r.jr_id),
    taskId: document.body.dataset.taskId ?? '',
  }));
}

const shadowText = (page: Page, selector: string) =>
  page.evaluate(
    (s) => document.querySelector('prealert-reminder')?.shadowRoot?.querySelector(s)?.textContent ?? '',
    selector,
  );

async function continueFirst(page: Page): Promise<void> {
  await page.keyboard.press('F8');
  await page.keyboard.press('c');
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
}

describe('the sidecar goes away and comes back', () => {
  it('delivers, once, an answer given while it was down although the page was reloaded meanwhile (F1)', async () => {
    const page = await stack.context.newPage();
    const sent = watch3103(page);
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.type());
      await dialog.accept();
    });
    await stationFor(page, 'DEMO-P002');
    await addLine(page, '小儿布洛芬栓');
    const { jrIds, taskId } = await warnings(page, 1);
    const jrId = jrIds[0]!;

    await stack.stopSidecar();
    await continueFirst(page);
    await page.waitForFunction(
      () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.queued'),
      null,
      { timeout: 20_000 },
    );
    const stored = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((key) => key.startsWith('prealert.'))
        .flatMap((key) => JSON.parse(localStorage.getItem(key) ?? '[]') as { jrId: string }[])
        .map((item) => item.jrId),
    );
    expect(stored).toEqual([jrId]);

    // F5 while it is still down: storage holds the answer, so the page need not ask before it goes.
    await page.reload();
    expect(dialogs).toEqual([]);
    await page.waitForFunction(() => document.activeElement?.id === 'entry-item', undefined, { timeout: 20_000 });
    expect(await pendingFeedbackOf(page)).toBe(1);
    expect(await shadowText(page, '.progress')).toBe('此前 1 条答复待送达');

    await stack.startSidecarAgain();
    await feedbackDrained(page, 40_000);
    expect((await taskDispositions(stack.sidecar.url, taskId))[jrId]).toMatchObject({
      dspo_way: '1',
      dspo_way_rea: '临床必需',
    });
    await expect.poll(() => sent.filter((s) => s.jrId === jrId && s.infcode === 0).length).toBe(1);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('prealert.')))).toEqual(
      [],
    );

    // Another load sends nothing again.
    await page.reload();
    await page.waitForFunction(() => document.activeElement?.id === 'entry-item', undefined, { timeout: 20_000 });
    await page.waitForTimeout(1500);
    expect(sent.filter((s) => s.jrId === jrId && s.infcode === 0)).toHaveLength(1);
    await page.close();
  }, 90_000);

  it('sends a queued 3103 under the doctor who decided, not the one logged in when it is delivered (F7)', async () => {
    const page = await stack.context.newPage();
    const sent = watch3103(page);
    await stationFor(page, 'DEMO-P001');
    await page.evaluate(() => {
      const reminder = document.querySelector('prealert-reminder') as Reminder;
      reminder.envelope = { ...reminder.envelope, opter: 'D0301', opter_name: '孙医生' };
    });
    await addLine(page, '他达拉非片');
    const { jrIds } = await warnings(page, 1);

    await stack.stopSidecar();
    await continueFirst(page);
    await page.waitForFunction(
      () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.queued'),
      null,
      { timeout: 20_000 },
    );
    // The HIS logs the next doctor in while the answer is still queued.
    await page.evaluate(() => {
      const reminder = document.querySelector('prealert-reminder') as Reminder;
      reminder.envelope = { ...reminder.envelope, opter: 'D0302', opter_name: '李医生' };
    });
    await page.waitForTimeout(2500); // at least one retry while it is down
    await stack.startSidecarAgain();
    await feedbackDrained(page, 40_000);
    const forWarning = sent.filter((s) => s.jrId === jrIds[0]);
    expect(forWarning.length).toBeGreaterThan(1);
    await expect.poll(() => forWarning.find((s) => s.infcode === 0)?.opter).toBe('D0301');
    expect(new Set(forWarning.map((s) => s.opter))).toEqual(new Set(['D0301']));
    await page.close();
  }, 90_000);

  it('says when it is back, and the station checks the order again (F2; no key hints while unavailable, F6)', async () => {
    const page = await stack.context.newPage();
    await stationFor(page, 'DEMO-P003');
    await page.evaluate(() => {
      const win = window as unknown as { available: number };
      win.available = 0;
      document.querySelector('prealert-reminder')?.addEventListener('prealert-available', () => {
        win.available += 1;
      });
    });
    await addLine(page, '复方氨基酸注射液(18AA)');
    await warnings(page, 1);

    await stack.stopSidecar();
    await addLine(page, '葡萄糖测定');
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('暂不可用'), null, {
      timeout: 10_000,
    });
    expect(await shadowText(page, '.notice')).toBe('医保提醒暂不可用，不影响继续开立');
    // Nothing to act on: the key hints are not offered (checked at the end, after the F2 part).
    const hintsHidden = await page.evaluate(() => {
      const hints = document.querySelector('prealert-reminder')?.shadowRoot?.querySelector<HTMLElement>('.hints');
      return hints ? hints.offsetParent === null : 'no hints element';
    });

    await stack.startSidecarAgain();
    await page.waitForFunction(() => (window as unknown as { available: number }).available === 1, null, {
      timeout: 30_000,
    });
    // The station analyses both lines again: the 明确违规 warning is back, to be answered before saving.
    await warnings(page, 1);
    expect(await page.locator('#check-status').textContent()).not.toContain('不可用');
    expect(
      await page.evaluate(() => (document.querySelector('prealert-reminder') as Reminder).saveReadiness),
    ).toMatchObject({ ready: false, reason: 'unanswered' });
    expect(await page.locator('#order-rows tr[data-rx-id]').count()).toBe(2);
    expect(hintsHidden).toBe(true);
    await page.close();
  }, 90_000);

  it('counts a warning answered twice while down once, and not on the next patient (F6)', async () => {
    const page = await stack.context.newPage();
    await stationFor(page, 'DEMO-P001');
    // Another encounter than the F7 test's (same patient and line there): a new warning, not one answered before.
    await page.locator('input[name="visit"][value="inpatient"]').check();
    // A long first attempt: the second answer is given while the first 3103 is still on the wire.
    await page.evaluate(() => document.querySelector('prealert-reminder')?.setAttribute('feedback-timeout', '6000'));
    await addLine(page, '他达拉非片');
    const { jrIds, taskId } = await warnings(page, 1);

    stack.sidecar.child.kill('SIGSTOP');
    try {
      await continueFirst(page);
      await page.locator('prealert-reminder').getByRole('button', { name: /更改/ }).click();
      await page.keyboard.press('m');
      expect(await pendingFeedbackOf(page)).toBe(2); // two 3103s: the first is in flight, the second waits behind it
      expect(await shadowText(page, '.progress')).toBe('已处理 1/1 · 1 条待送达');

      await page.selectOption('#patient', 'DEMO-P002');
      await page.waitForFunction(
        () => (document.querySelector('prealert-reminder') as Reminder).currentResults.length === 0,
      );
      expect(await shadowText(page, '.progress')).toBe('此前 1 条答复待送达');
    } finally {
      stack.sidecar.child.kill('SIGCONT');
    }
    await feedbackDrained(page, 30_000);
    expect((await taskDispositions(stack.sidecar.url, taskId))[jrIds[0]!]).toMatchObject({ dspo_way: '2' });
    await page.close();
  }, 90_000);

  it('asks before the page goes while an answer could not be kept, and still delivers it (F1, storage full)', async () => {
    const page = await stack.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.type());
      await dialog.dismiss(); // the doctor stays on the page
    });
    await stationFor(page, 'DEMO-P002');
    // Another encounter than the first test's (same patient and line, answered there): a new warning to answer.
    await page.locator('input[name="visit"][value="outpatient"]').check();
    await addLine(page, '小儿布洛芬栓');
    const { jrIds, taskId } = await warnings(page, 1);
    // The origin's real quota, used up: no answer can be kept in localStorage now.
    await page.evaluate(() => {
      let n = 0;
      for (let size = 1 << 20; size >= 16; size >>= 2) {
        const chunk = 'x'.repeat(size);
        try {
          for (;;) localStorage.setItem(`filler-${n++}`, chunk);
        } catch {
          // full at this size: go on with smaller pieces
        }
      }
    });

    await stack.stopSidecar();
    await continueFirst(page);
    await page.waitForFunction(
      () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.queued'),
      null,
      { timeout: 20_000 },
    );
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => dialogs).toEqual(['beforeunload']);
    expect(page.isClosed()).toBe(false);

    await page.evaluate(() => {
      for (const key of Object.keys(localStorage)) if (key.startsWith('filler-')) localStorage.removeItem(key);
    });
    await stack.startSidecarAgain();
    await feedbackDrained(page, 40_000);
    expect((await taskDispositions(stack.sidecar.url, taskId))[jrIds[0]!]).toMatchObject({ dspo_way: '1' });
    // Nothing left to lose: the page goes without asking.
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => page.isClosed()).toBe(true);
    expect(dialogs).toEqual(['beforeunload']);
  }, 90_000);
});
