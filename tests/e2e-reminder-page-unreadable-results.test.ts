/**
 * A task whose stored results column is damaged (a disk fault, a hand edit) must never look clean: the sidecar answers
 * it with `results_unreadable`, and the reminder page says it could not read the reminders (as for a failed read),
 * not 「本次没有医保提醒」. A task one of whose result bodies is unreadable shows the others and says, apart from the
 * status line, how many it could not show. Real built sidecar on loopback, real national codes, real headless Chromium.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { openDatabase } from '../sidecar/src/store/database';
import { launchChromium } from './support/chromium';
import { demoRequest } from './support/demo-request';
import { collectPageErrors } from './support/page-errors';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');
const CALL_SERVICE = '/fsi/api/rsfComIfsService/callService';
const TASK_ID = 'UNREADABLE-RESULTS-T1';

let dataDir = '';
let sidecar: RunningSidecar;
let context: BrowserContext;
let profileDir = '';

const start = () => startSidecar({ cli: sidecarCli, port: '0', dataDir, corsOrigins: [] });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-unreadable-results-'));
  sidecar = await start();
  ({ context, profileDir } = await launchChromium());
}, 120_000);

afterAll(async () => {
  await context?.close();
  await sidecar?.stop();
  for (const dir of [profileDir, dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a task whose results column is not readable JSON', () => {
  it('is shown as a failed read, never as "no reminders"', async () => {
    // The OGTT and the glucose test it includes: 重复收费, a reminder the doctor must see.
    const input = demoRequest('UNREADABLE-P1', TASK_ID, [
      { rxId: 'RX-OGTT', code: '003102050010100' },
      { rxId: 'RX-GLUCOSE', code: '002503020010000' },
    ]);
    const answer = await fetch(`${sidecar.url}${CALL_SERVICE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ infno: '3101', msgid: `M-${TASK_ID}`, input }),
    });
    const body = (await answer.json()) as { infcode: number; output: { result: unknown[] } };
    expect(body.infcode).toBe(0);
    expect(body.output.result.length).toBeGreaterThan(0);
    // Read once: the recorder has written the row.
    expect((await fetch(`${sidecar.url}/v1/tasks/${TASK_ID}`)).status).toBe(200);

    // What a full disk leaves of it: its first half. Written with the sidecar stopped, as a disk fault finds it.
    await sidecar.stop();
    const db = openDatabase(dataDir);
    try {
      db.prepare('UPDATE tasks SET results = substr(results, 1, length(results) / 2) WHERE task_id = ?').run(TASK_ID);
    } finally {
      db.close();
    }
    sidecar = await start();
    const view = (await (await fetch(`${sidecar.url}/v1/tasks/${TASK_ID}`)).json()) as {
      results: unknown[];
      results_unreadable?: boolean;
    };
    expect(view).toMatchObject({ results: [], results_unreadable: true });

    const pageErrors = collectPageErrors(context);
    const page = await context.newPage();
    await page.goto(`${sidecar.url}/ui/reminder/${TASK_ID}`);
    const status = page.locator('#page-status');
    await status.waitFor();
    await expect.poll(() => status.textContent()).toBe('提醒数据读取失败，请直接继续开立');
    expect(await status.getAttribute('data-kind')).toBe('error');
    expect(await page.title()).not.toBe('医保提醒：无');
    pageErrors.stop();
    expect(pageErrors.errors).toEqual([]);
    await page.close();
  }, 90_000);
});

describe('a task one of whose result bodies is not readable JSON', () => {
  it('shows the readable reminder, says how many are not shown, and completes with that notice kept', async () => {
    const taskId = 'UNREADABLE-BODY-T1';
    // The OGTT and the glucose test it includes (医疗服务项目重复收费) and an inpatient-only infusion (药品限就医方式).
    const input = demoRequest('UNREADABLE-P2', taskId, [
      { rxId: 'RX-OGTT', code: '003102050010100' },
      { rxId: 'RX-GLUCOSE', code: '002503020010000' },
      { rxId: 'RX-AMINO', code: 'XB05BAF150B002010100269' },
    ]);
    const answer = await fetch(`${sidecar.url}${CALL_SERVICE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ infno: '3101', msgid: `M-${taskId}`, input }),
    });
    const body = (await answer.json()) as { infcode: number; output: { result: { rule_name: string }[] } };
    expect(body.infcode).toBe(0);
    expect(body.output.result.map((r) => r.rule_name).sort()).toEqual(['医疗服务项目重复收费', '药品限就医方式']);
    expect((await fetch(`${sidecar.url}/v1/tasks/${taskId}`)).status).toBe(200);

    // The infusion's body cut to its first half, with the sidecar stopped, as a disk fault finds it.
    await sidecar.stop();
    const db = openDatabase(dataDir);
    try {
      const cut = db
        .prepare(
          `UPDATE result_bodies SET json = substr(json, 1, length(json) / 2) WHERE json LIKE '%药品限就医方式%'
           AND id IN (SELECT json_extract(r.value, '$[4]') FROM tasks t, json_each(t.results) r WHERE t.task_id = ?)`,
        )
        .run(taskId);
      expect(cut.changes).toBe(1);
    } finally {
      db.close();
    }
    sidecar = await start();
    const view = (await (await fetch(`${sidecar.url}/v1/tasks/${taskId}`)).json()) as {
      results: { rule_name: string }[];
      results_unread?: number;
      results_unreadable?: boolean;
    };
    expect(view.results.map((r) => r.rule_name)).toEqual(['医疗服务项目重复收费']);
    expect(view.results_unread).toBe(1);
    expect(view.results_unreadable).toBeUndefined();

    // Before any page opens: the popup's own Page object comes too late to hear an error thrown as its script starts.
    const pageErrors = collectPageErrors(context);
    // What a screen reader is given, in order, from before the page script runs: where focus goes, and what is
    // written into live regions (here and in the element's shadow root) and whether that region is polite.
    await context.addInitScript(() => {
      type Heard = { kind: 'focus' | 'live'; text: string; firstCard?: boolean; live?: string; hidden?: boolean };
      const heard: Heard[] = [];
      (window as unknown as { a11yHeard: Heard[] }).a11yHeard = heard;
      const liveRegion = '[aria-live]:not([aria-live="off"]), [role="alert"], [role="status"], [role="log"]';
      const record = (records: MutationRecord[]) => {
        for (const record of records) {
          const node = record.target instanceof Element ? record.target : record.target.parentElement;
          const region = node?.closest(liveRegion);
          if (!region || (region.textContent ?? '') === '') continue;
          heard.push({
            kind: 'live',
            text: region.textContent ?? '',
            live: region.getAttribute('aria-live') ?? region.getAttribute('role') ?? '',
            // Out of the accessibility tree, and so never heard: hidden, or display:none / visibility:hidden on it or
            // an ancestor (a visually hidden region stays in the tree).
            hidden: (() => {
              for (let at: Element | null = region; at; at = at.parentElement) {
                const style = getComputedStyle(at);
                if (at.hasAttribute('hidden') || style.display === 'none' || style.visibility === 'hidden') return true;
              }
              return false;
            })(),
          });
        }
      };
      const observer = new MutationObserver(record);
      const watch = (root: Node) => observer.observe(root, { subtree: true, childList: true, characterData: true });
      // A popup runs this once, in its first about:blank document, and keeps the window for the page it then loads:
      // that page's document is watched from its element's constructor, which runs before the page script starts.
      const watched = new WeakSet<Document>();
      const watchDocument = (doc: Document) => {
        if (watched.has(doc)) return;
        watched.add(doc);
        watch(doc);
      };
      watchDocument(document);
      const attachShadow = Element.prototype.attachShadow;
      Element.prototype.attachShadow = function (this: Element, init: ShadowRootInit) {
        watchDocument(this.ownerDocument);
        const shadow = attachShadow.call(this, init);
        watch(shadow);
        return shadow;
      };
      // On the window, which the popup keeps, not on a document it replaces.
      window.addEventListener(
        'focusin',
        (event) => {
          // Written before this focus move, though not yet delivered (observers are called later): heard first.
          record(observer.takeRecords());
          const target = event.composedPath()[0];
          if (!(target instanceof Element)) return;
          const root = target.getRootNode() as Document | ShadowRoot;
          heard.push({ kind: 'focus', text: target.tagName, firstCard: root.querySelector('li.card') === target });
        },
        true,
      );
    });
    // Opened by a HIS page, as a plain-http HIS opens it (window.open): the opener hears what the page tells its host.
    const host = await context.newPage();
    await host.goto(`${sidecar.url}/healthz`);
    await host.evaluate(() => {
      const heard: unknown[] = [];
      (window as unknown as { heard: unknown[] }).heard = heard;
      window.addEventListener('message', (event) => heard.push(event.data));
    });
    const [page] = await Promise.all([
      context.waitForEvent('page'),
      host.evaluate((url) => {
        window.open(url);
      }, `${sidecar.url}/ui/reminder/${taskId}`),
    ]);
    const cards = page.locator('prealert-reminder li.card');
    await cards.first().waitFor();
    expect(await cards.count()).toBe(1);
    const unread = page.locator('#page-unread');
    await unread.waitFor();
    expect(await unread.textContent()).toBe('另有 1 条提醒读取失败，未能显示；请留意');
    expect(await unread.isVisible()).toBe(true);

    // A blind doctor hears the count: a screen reader cuts what it is saying when focus moves to the first card, so
    // the count is written to a polite live region only after that move, and focus stays on the card for her keys.
    type Heard = { kind: 'focus' | 'live'; text: string; firstCard?: boolean; live?: string; hidden?: boolean };
    const heardOnPage = () => page.evaluate(() => (window as unknown as { a11yHeard: Heard[] }).a11yHeard);
    const saysUnread = (entry: Heard) => entry.kind === 'live' && entry.text.includes('另有 1 条提醒读取失败');
    await expect.poll(async () => (await heardOnPage()).some(saysUnread), { timeout: 10_000 }).toBe(true);
    const heard = await heardOnPage();
    const focused = heard.findIndex((entry) => entry.kind === 'focus' && entry.firstCard === true);
    const said = heard.findIndex(saysUnread);
    expect(focused).toBeGreaterThanOrEqual(0);
    expect(said, JSON.stringify(heard)).toBeGreaterThan(focused);
    expect(heard[said]).toMatchObject({ live: 'polite', hidden: false });
    expect(heard.slice(focused + 1).filter((entry) => entry.kind === 'focus')).toEqual([]);
    expect(
      await page.evaluate(() => {
        const root = document.querySelector('prealert-reminder')?.shadowRoot;
        return root?.activeElement !== null && root?.activeElement === root?.querySelector('li.card');
      }),
    ).toBe(true);

    // 返回修改 on the one shown: the page is done once the sidecar recorded it, and the notice stays beside that. The
    // status must not say every reminder was dealt with, and a host that closes the window on prealert-complete (as
    // packages/widget/README.md tells it to) must hear that one was not shown.
    await page.keyboard.press('m');
    await page.waitForFunction(() => document.title === '医保提醒：已处理');
    expect(await page.locator('#page-status').textContent()).toBe(
      '已显示的提醒已全部处理并记录；另有 1 条未能显示，请留意。',
    );
    expect(await unread.textContent()).toBe('另有 1 条提醒读取失败，未能显示；请留意');
    expect(await unread.isVisible()).toBe(true);
    // Nor does the panel say so aloud: its own news once the answers are recorded says "those shown".
    const spoken = (await heardOnPage()).filter((entry) => entry.kind === 'live').map((entry) => entry.text);
    expect(spoken).toContain('已显示的提醒已全部处理并记录');
    expect(spoken.filter((text) => text.startsWith('全部提醒已处理'))).toEqual([]);
    await expect
      .poll(() => host.evaluate(() => (window as unknown as { heard: unknown[] }).heard))
      .toEqual([{ type: 'prealert-complete', taskId, settled: 1, unread: 1 }]);
    pageErrors.stop();
    expect(pageErrors.errors).toEqual([]);
    await page.close();
    await host.close();
  }, 90_000);
});
