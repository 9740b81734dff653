/**
 * A 3103 the sidecar cannot store for a moment: another program holds its SQLite file's write lock (a backup, an
 * antivirus scan), so the sidecar answers infcode -1 "prealert 内部错误，请稍后重试" marked `prealert_retry`. The
 * SDK and the widget must keep the doctor's decision, retry it on their own, and have it recorded exactly once when
 * the file is free again. Real sidecar (in-process, over loopback HTTP, real SQLite file), real Chromium.
 */
import fs from 'node:fs';
import { type FeedbackDropReason, PrealertClient } from '@prealert/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../sidecar/src/store/database';
import { analysisEnvelope } from '../sidecar/test/fixtures/his-requests';
import { testServer } from '../sidecar/test/helpers/test-server';
import { launchChromium } from './support/chromium';
import { pendingFeedbackOf } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let server: Awaited<ReturnType<typeof testServer>>;
let url = '';

beforeAll(async () => {
  server = await testServer();
  ({ url } = await server.listen());
  // The sidecar waits 5 s for a locked file, longer than any 3103 deadline; shortened so that the lock below
  // gives the HIS the sidecar's own error answer, as a store failure within the deadline does.
  server.db.pragma('busy_timeout = 100');
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

/** Takes the database's write lock from another connection, as another program would; returns the release. */
function lockDatabase(): () => void {
  const other = openDatabase(server.dataDir);
  other.exec('BEGIN IMMEDIATE');
  return () => {
    other.exec('COMMIT');
    other.close();
  };
}

/** 3103s the sidecar answered since it started, by outcome (its own request counter). */
async function answered3103(): Promise<{ ok: number; error: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (outcome: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('prealert_requests_total{') && line.includes('infno="3103"'))
      .filter((line) => line.includes(`outcome="${outcome}"`))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  return { ok: count('ok'), error: count('error') };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const dispositions = (taskId: string) => taskDispositions(url, taskId);

describe('a 3103 the sidecar could not store for a moment', () => {
  it('SDK: stays queued through the failed resend and is delivered once, without another call from the HIS', async () => {
    const dropped: FeedbackDropReason[] = [];
    const client = new PrealertClient({
      baseUrl: url,
      onFeedbackDropped: ({ reason }) => dropped.push(reason),
    });
    try {
      const envelope = analysisEnvelope({ encounterId: 'MZ-TR-SDK' }) as { input: { data: { task_id: string } } };
      const answer = await client.analyze(envelope.input.data as never);
      expect(answer.status).toBe('ok');
      const jrId = answer.results[0]!.jr_id;
      await dispositions(answer.taskId); // the answer is on disk before the file is locked

      const before = await answered3103();
      const unlock = lockDatabase();
      try {
        const result = await client.decide(answer, [{ jrId, disposition: 'continue', reason: '临床必需' }]);
        expect(result).toMatchObject({ status: 'fail_open', queued: true, failOpen: { reason: 'sidecar_error' } });
        expect(result.failOpen?.detail).toMatch(/^prealert 内部错误，请稍后重试/);
        // The background resend a second later meets the same lock: the decision must stay queued.
        await waitFor(async () => (await answered3103()).error >= before.error + 2, 5000, 'a failed resend');
        expect(client.queuedFeedback).toBe(1);
      } finally {
        unlock();
      }
      await waitFor(() => client.queuedFeedback === 0, 10_000, 'the resend after the back-off');
      expect((await answered3103()).ok - before.ok).toBe(1);
      expect((await dispositions(answer.taskId))[jrId]).toMatchObject({ dspo_way: '1', dspo_way_rea: '临床必需' });
      expect(dropped).toEqual([]);
    } finally {
      await client.close();
    }
  }, 30_000);

  it("widget: the sidecar's page shows the answer waiting, retries it, and says done once it is recorded", async () => {
    const envelope = analysisEnvelope({ encounterId: 'MZ-TR-UI' }) as { input: { data: { task_id: string } } };
    const taskId = 'TR-UI-1';
    envelope.input.data.task_id = taskId;
    const analysed = await fetch(`${url}/fsi/api/rsfComIfsService/callService`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    expect(((await analysed.json()) as { output: { result: unknown[] } }).output.result).toHaveLength(2);
    await dispositions(taskId);

    const { context, profileDir } = await launchChromium();
    try {
      const page = await context.newPage();
      await page.goto(`${url}/ui/reminder/${taskId}`);
      const cards = page.locator('prealert-reminder li.card');
      await cards.nth(1).waitFor();
      // The first warning is answered while all is well.
      await cards.nth(0).focus();
      await page.keyboard.press('m');
      await page.waitForFunction(() =>
        document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.recorded'),
      );

      const before = await answered3103();
      const unlock = lockDatabase();
      try {
        await cards.nth(1).focus();
        await page.keyboard.press('c');
        await page.keyboard.press('1');
        await page.keyboard.press('Enter');
        await page.waitForFunction(
          () =>
            document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card .state')[1]
              ?.className === 'state queued',
          null,
          { timeout: 5000 },
        );
        expect(await cards.nth(1).locator('.state').textContent()).toBe('未送达，自动重试中：本机医保提醒服务暂时出错');
        expect(await page.locator('#page-status').textContent()).toBe(
          '部分处理结果暂未送达，页面会自动重试，请勿关闭。',
        );
        expect(await pendingFeedbackOf(page)).toBe(1);
        expect(await page.title()).not.toBe('医保提醒：已处理');
      } finally {
        unlock();
      }
      await page.waitForFunction(() => document.title === '医保提醒：已处理', null, { timeout: 10_000 });
      expect(await pendingFeedbackOf(page)).toBe(0);
      expect(await cards.locator('.state').allTextContents()).toEqual(['已记录', '已记录']);
      expect((await answered3103()).ok - before.ok).toBe(1);
      // Each card's decision, found by its text: the page orders cards by severity and amount, not as answered.
      const task = (await (await fetch(`${url}/v1/tasks/${taskId}`)).json()) as {
        results: { jr_id: string; vola_cont: string }[];
        dispositions: Record<string, { dspo_way: string }>;
      };
      const shown = await cards.allTextContents();
      const wayOfCard = shown.map((text) => {
        const result = task.results.find((r) => text.includes(r.vola_cont));
        return result === undefined ? undefined : task.dispositions[result.jr_id]?.dspo_way;
      });
      expect(wayOfCard).toEqual(['2', '1']);
    } finally {
      await context.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  }, 30_000);
});
