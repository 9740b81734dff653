/**
 * Warnings the doctor resolved by editing the order, in real headless Chromium against the real sidecar: the host
 * page re-analyses after each edit with the widget's own callService and passes the request to show(), as the widget
 * README says. A warning the edit made vanish is answered 返回修改 by the widget, so the 医保办's figures count it as
 * 遵从 instead of 未反馈 for ever; one still returned, or one whose prescription the HIS simply did not send this time,
 * is not answered for the doctor.
 */
import type { AnalysisInput } from '@prealert/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Line, demoRequest as request } from './support/demo-request';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { analyse } from './support/host-analysis';
import { feedbackDrained } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;
let demo: DemoStack['demo'];
let sidecar: DemoStack['sidecar'];
let context: DemoStack['context'];

beforeAll(async () => {
  stack = await startDemoStack('resolved');
  ({ demo, sidecar, context } = stack);
}, 120_000);

afterAll(() => stack?.stop());

const TADALAFIL = 'XG04BET001A001010100299'; // 限男性: 药品区分性别使用 for this woman
const CHILD_IBUPROFEN = 'XM01AEX094D001010101792'; // 药品儿童专用 for an adult
const AMINO_ACIDS = 'XB05BAF150B002010100269'; // 限住院: 药品限就医方式 in an outpatient visit
const OGTT = '003102050010100'; // includes the glucose test: 医疗服务项目重复收费 with 葡萄糖测定
const GLUCOSE = '002503020010000';
const DYDROGESTERONE = 'XG03DBD084A001010102180'; // 限女性: nothing fires for her

/** Puts each line in the prescription (rxno) named for it, as a HIS with several prescriptions per visit does. */
function inPrescriptions(input: AnalysisInput, rxnoByRxId: Record<string, string>): AnalysisInput {
  for (const order of input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos)
    order.rxno = rxnoByRxId[order.rx_id] ?? order.rxno;
  return input;
}

/** Re-sends the lines given as history (curr_drord_flag 0): the order saved unchanged, as spec §6.2 has it. */
function asHistory(input: AnalysisInput, rxIds: readonly string[]): AnalysisInput {
  for (const order of input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos)
    if (rxIds.includes(order.rx_id)) order.curr_drord_flag = '0';
  return input;
}

interface Figures {
  reminders: number;
  complied: number;
  continued: number;
  pending: number;
}

async function totals(): Promise<Figures> {
  const response = await fetch(`${sidecar.url}/v1/stats`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { totals: Figures }).totals;
}

const dispositions = (taskId: string) => taskDispositions(sidecar.url, taskId);

/** The embed page with the widget loaded and its own first check done (its warnings are not ours). */
interface Sent3103 {
  warn_type: string;
  warns: { warn_rslt_id: string; dspo_way: string; dspo_way_rea: string }[];
}

async function openHost(): Promise<{ page: Page; sent3103: Sent3103[] }> {
  const page = await context.newPage();
  const sent3103: Sent3103[] = [];
  page.on('request', (req) => {
    const body = req.postData();
    if (req.method() !== 'POST' || !body) return;
    const envelope = JSON.parse(body) as { infno?: string; input?: { data?: Sent3103 } };
    if (envelope.infno === '3103' && envelope.input?.data) sent3103.push(envelope.input.data);
  });
  await page.goto(`${demo.url}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  await page.evaluate(() => {
    const log: { taskId: string; jrIds: string[] }[] = [];
    (window as unknown as { resolvedEvents: typeof log }).resolvedEvents = log;
    document.addEventListener('prealert-resolved', (event) => {
      const detail = (event as CustomEvent<{ taskId: string; results: { jr_id: string }[] }>).detail;
      log.push({ taskId: detail.taskId, jrIds: detail.results.map((r) => r.jr_id).sort() });
    });
  });
  return { page, sent3103 };
}

const resolvedEvents = (page: Page) =>
  page.evaluate(() => (window as unknown as { resolvedEvents: { taskId: string; jrIds: string[] }[] }).resolvedEvents);

describe('a warning an edit resolved', () => {
  it('is answered 返回修改 (warn_type 1), so the figures count it as 遵从 and nothing stays pending', async () => {
    const { page, sent3103 } = await openHost();
    const before = await totals();
    const lines: Line[] = [
      { rxId: 'R1-TADALAFIL', code: TADALAFIL },
      { rxId: 'R1-CHILD', code: CHILD_IBUPROFEN },
      { rxId: 'R1-AMINO', code: AMINO_ACIDS },
      { rxId: 'R1-OGTT', code: OGTT },
      { rxId: 'R1-GLUCOSE', code: GLUCOSE },
    ];
    const first = await analyse(page, request('RESOLVED-1', 'RESOLVED-1-T1', lines));
    expect(first.rules).toEqual(['医疗服务项目重复收费', '药品儿童专用', '药品区分性别使用', '药品限就医方式']);

    // The doctor deletes 他达拉非片 and changes the child's suppository to another drug on the same line, without
    // pressing M; the station re-analyses and she sends the two warnings left back with M.
    const edited = lines
      .filter((line) => line.code !== TADALAFIL)
      .map((line) => (line.code === CHILD_IBUPROFEN ? { ...line, code: DYDROGESTERONE } : line));
    // This host sends every line of the visit each time, and says so.
    const second = await analyse(page, request('RESOLVED-1', 'RESOLVED-1-T2', edited), { wholePrescriptions: true });
    expect(second.rules).toEqual(['医疗服务项目重复收费', '药品限就医方式']);
    await page.evaluate((jrIds) => {
      const el = document.querySelector('prealert-reminder') as unknown as { decide(jrId: string, d: string): void };
      for (const jrId of jrIds) el.decide(jrId, 'modify');
    }, Object.values(second.jrIds));
    await feedbackDrained(page);

    const after = await totals();
    expect({
      reminders: after.reminders - before.reminders,
      complied: after.complied - before.complied,
      continued: after.continued - before.continued,
      pending: after.pending - before.pending,
    }).toEqual({ reminders: 4, complied: 4, continued: 0, pending: 0 });
    const vanished = [first.jrIds.药品区分性别使用!, first.jrIds.药品儿童专用!];
    expect(await resolvedEvents(page)).toEqual([{ taskId: 'RESOLVED-1-T2', jrIds: [...vanished].sort() }]);
    const recorded = await dispositions('RESOLVED-1-T1');
    expect(Object.keys(recorded).sort()).toEqual(Object.values(first.jrIds).sort());
    for (const jrId of vanished) expect(recorded[jrId]).toMatchObject({ dspo_way: '2' });
    const forVanished = sent3103.filter((data) => data.warns.some((w) => vanished.includes(w.warn_rslt_id)));
    expect(forVanished).toHaveLength(2);
    expect(forVanished).toEqual(
      expect.arrayContaining(
        vanished.map((jrId) => ({ warn_type: '1', warns: [{ warn_rslt_id: jrId, dspo_way: '2', dspo_way_rea: '' }] })),
      ),
    );
    await page.close();
  }, 60_000);
});

describe('a warning not resolved by an edit', () => {
  it('is not answered for the doctor: neither one still returned nor one whose prescription was not sent', async () => {
    const { page, sent3103 } = await openHost();
    const before = await totals();
    const prescriptions = { 'R2-TADALAFIL': 'CF-A', 'R2-CHILD': 'CF-B' };
    const both: Line[] = [
      { rxId: 'R2-TADALAFIL', code: TADALAFIL },
      { rxId: 'R2-CHILD', code: CHILD_IBUPROFEN },
    ];
    const first = await analyse(page, inPrescriptions(request('RESOLVED-2', 'RESOLVED-2-T1', both), prescriptions));
    expect(first.rules).toEqual(['药品儿童专用', '药品区分性别使用']);

    // The doctor edits prescription A (another line added to it); the HIS checks prescription A only this time.
    const onlyA = inPrescriptions(
      request('RESOLVED-2', 'RESOLVED-2-T2', [both[0]!, { rxId: 'R2-DYDROGESTERONE', code: DYDROGESTERONE }]),
      { ...prescriptions, 'R2-DYDROGESTERONE': 'CF-A' },
    );
    const second = await analyse(page, onlyA);
    expect(second.rules).toEqual(['药品区分性别使用']);
    expect(second.jrIds.药品区分性别使用).toBe(first.jrIds.药品区分性别使用);
    expect(second.pendingAfterShow).toBe(0);

    const after = await totals();
    expect(after.pending - before.pending).toBe(2);
    expect(after.complied - before.complied).toBe(0);
    expect(await dispositions('RESOLVED-2-T1')).toEqual({});
    expect(sent3103).toEqual([]);
    expect(await resolvedEvents(page)).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('a warning whose line is re-sent as history', () => {
  it('is not answered for the doctor: the order was saved as it was, its lines not checked again', async () => {
    const { page, sent3103 } = await openHost();
    const before = await totals();
    const saved: Line[] = [
      { rxId: 'R3-TADALAFIL', code: TADALAFIL },
      { rxId: 'R3-CHILD', code: CHILD_IBUPROFEN },
      { rxId: 'R3-OGTT', code: OGTT },
      { rxId: 'R3-GLUCOSE', code: GLUCOSE },
    ];
    const first = await analyse(page, request('RESOLVED-3', 'RESOLVED-3-T1', saved), { wholePrescriptions: true });
    expect(first.rules).toEqual(['医疗服务项目重复收费', '药品儿童专用', '药品区分性别使用']);

    // Saved unchanged: the HIS re-sends the saved lines with curr_drord_flag 0 and adds one new line.
    const added = [...saved, { rxId: 'R3-DYDROGESTERONE', code: DYDROGESTERONE }];
    const resent = asHistory(
      request('RESOLVED-3', 'RESOLVED-3-T2', added),
      saved.map((line) => line.rxId),
    );
    const second = await analyse(page, resent, { wholePrescriptions: true });
    expect(second.rules).toEqual([]);
    expect(second.pendingAfterShow).toBe(0);

    const after = await totals();
    expect(after.pending - before.pending).toBe(3);
    expect(after.complied - before.complied).toBe(0);
    expect(await dispositions('RESOLVED-3-T1')).toEqual({});
    expect(sent3103).toEqual([]);
    expect(await resolvedEvents(page)).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('a warning whose line the HIS did not select', () => {
  it('is taken as deleted only when the host declares whole prescriptions', async () => {
    const { page, sent3103 } = await openHost();
    const sameRx = { 'R4-TADALAFIL': 'CF-A', 'R4-DYDROGESTERONE': 'CF-A' };
    const both: Line[] = [
      { rxId: 'R4-TADALAFIL', code: TADALAFIL },
      { rxId: 'R4-DYDROGESTERONE', code: DYDROGESTERONE },
    ];
    const first = await analyse(page, inPrescriptions(request('RESOLVED-4', 'RESOLVED-4-T1', both), sameRx));
    expect(first.rules).toEqual(['药品区分性别使用']);

    // The doctor selects only 地屈孕酮片 and analyses it (spec §5.3): 他达拉非片 is still in the prescription.
    const selected = () => inPrescriptions(request('RESOLVED-4', 'RESOLVED-4-T2', [both[1]!]), sameRx);
    const second = await analyse(page, selected());
    expect(second.rules).toEqual([]);
    expect(second.pendingAfterShow).toBe(0);
    expect(await dispositions('RESOLVED-4-T1')).toEqual({});
    expect(sent3103).toEqual([]);

    // A host that declares whole prescriptions (the element's attribute) means the line was deleted.
    await page.evaluate(() => document.querySelector('prealert-reminder')!.setAttribute('whole-prescriptions', ''));
    await analyse(page, selected());
    await feedbackDrained(page);
    expect(await dispositions('RESOLVED-4-T1')).toEqual({
      [first.jrIds.药品区分性别使用!]: expect.objectContaining({ dspo_way: '2' }),
    });
    await page.close();
  }, 60_000);
});

describe('on the demo doctor station', () => {
  it('answers 返回修改 for the warning of a line the doctor deleted without answering it', async () => {
    const page = await context.newPage();
    await page.goto(`${demo.url}/`);
    await page.waitForFunction(() => document.activeElement?.id === 'entry-item', undefined, { timeout: 10_000 });
    for (const name of ['他达拉非片', '小儿布洛芬栓']) {
      await page.keyboard.type(name);
      await page.keyboard.press('Enter');
    }
    const status = (text: string) =>
      page.waitForFunction((t) => document.querySelector('#check-status')?.textContent?.includes(t), text, {
        timeout: 10_000,
      });
    await status('2 条提醒');
    const firstTask = await page.evaluate(() => document.body.dataset.taskId!);
    const jrIds = await page.evaluate(() =>
      Object.fromEntries(
        (
          document.querySelector('prealert-reminder') as unknown as {
            currentResults: readonly { jr_id: string; rule_name: string }[];
          }
        ).currentResults.map((r) => [r.rule_name, r.jr_id]),
      ),
    );

    await page.getByRole('button', { name: '删除 他达拉非片' }).click();
    await status('1 条提醒');
    await feedbackDrained(page);
    const recorded = await dispositions(firstTask);
    expect(recorded).toEqual({ [jrIds.药品区分性别使用!]: expect.objectContaining({ dspo_way: '2' }) });
    await page.close();
  }, 60_000);
});
