import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { addDays } from '../src/stats/days';
import type { TaskView } from '../src/store/tasks';
import { analysisEnvelope } from './fixtures/his-requests';
import { type SidecarWithPlatform, sidecarWithPlatform } from './helpers/sidecar-with-platform';
import { callService, testServer } from './helpers/test-server';
import { ageRecords, count, DAY_MS, feedback } from './retention-support';

const YEAR_MS = 365 * DAY_MS;

let server: (SidecarServer & { dataDir: string }) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A 3101 with two warnings answered by `s` (written to the database before this returns): their jr_ids. */
async function analyse(s: SidecarServer, encounterId: string, taskId: string): Promise<string[]> {
  const reply = await callService(
    s,
    analysisEnvelope({ encounterId, taskId, deptCode: 'K', doctorCode: 'D', deptName: '科室', doctorName: '医生' }),
  );
  expect(reply.body.infcode).toBe(0);
  expect(reply.body.output.result).toHaveLength(2);
  await s.app.inject({ url: '/v1/stats' }); // everything queued is written
  return reply.body.output.result!.map((r) => r.jr_id);
}

/**
 * The Asia/Shanghai day of the last answer written: the day retention measures its window from (the task written
 * last). Not the clock's day read after it, which is the next one when midnight in Shanghai came in between.
 */
function lastAnswerDay(s: SidecarServer): string {
  return s.db.prepare('SELECT MAX(day) FROM reminders').pluck().get() as string;
}

async function task(s: SidecarServer, taskId: string): Promise<{ status: number; body: TaskView }> {
  const response = await s.app.inject({ url: `/v1/tasks/${taskId}` });
  return { status: response.statusCode, body: JSON.parse(response.payload) as TaskView };
}

/** A logger keeping its warnings, to see what a pass said. */
function warningsLogger(): { logger: pino.Logger; lines: { msg: string; [key: string]: unknown }[] } {
  const lines: { msg: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('records retention with a clock read wrong at a pass', () => {
  it('prunes nothing answered within the window of the last answer written when the clock jumps years ahead', async () => {
    const { logger, lines } = warningsLogger();
    server = await testServer({ records: { retentionDays: 400 } }, { logger });
    const s = server;
    const ids = await analyse(s, 'MZ-NOW', 'T-NOW');
    const today = lastAnswerDay(s);

    // The workstation's clock reads two years ahead at the daily pass (a BIOS or NTP error), then is corrected.
    const report = await s.retention.prune(Date.now() + 2 * YEAR_MS);
    expect(report).toMatchObject({ kept_from: addDays(today, -400), reminders: 0, tasks: 0, result_bodies: 0 });
    expect((await task(s, 'T-NOW')).status).toBe(200);
    expect(count(s.db, 'SELECT COUNT(*) FROM reminders')).toBe(2);
    expect(await feedback(s, [{ jrId: ids[0]!, way: '2' }])).toBe(0);
    const warning = lines.find((l) => l.msg.startsWith('pruning only the records before'));
    expect(warning).toMatchObject({ kept_from: addDays(today, -400), last_task_day: today, window_reached_on: null });
    expect(warning?.msg).toContain('the clock is ahead of the records, or none were written lately');
    // Dates only: nothing about a patient or an answer.
    expect(JSON.stringify(warning)).not.toContain(ids[0]!);
  });

  it('prunes an old backlog in one go at the first pass, then moves the cutoff at most two days a pass', async () => {
    const { logger, lines } = warningsLogger();
    server = await testServer({ records: { retentionDays: 400 } }, { logger });
    const s = server;
    await analyse(s, 'MZ-500', 'T-500');
    ageRecords(s.db, 200);
    await analyse(s, 'MZ-300', 'T-300');
    ageRecords(s.db, 300); // T-500 is 500 days old, T-300 300 days
    await analyse(s, 'MZ-TODAY', 'T-TODAY');
    const today = lastAnswerDay(s);

    // The first pass of a database never pruned takes its whole backlog.
    expect(await s.retention.prune()).toMatchObject({ kept_from: addDays(today, -400), reminders: 2, tasks: 1 });
    expect((await task(s, 'T-500')).status).toBe(404);

    // Then the clock runs two years ahead, while answering too: the task written last is dated in the future.
    await analyse(s, 'MZ-AHEAD', 'T-AHEAD');
    s.db.prepare("UPDATE tasks SET created_at = created_at + ? WHERE task_id = 'T-AHEAD'").run(2 * YEAR_MS);
    const ahead = Date.now() + 2 * YEAR_MS;
    expect(await s.retention.prune(ahead)).toMatchObject({ kept_from: addDays(today, -398), reminders: 0, tasks: 0 });
    expect(await s.retention.prune(ahead)).toMatchObject({ kept_from: addDays(today, -396), reminders: 0, tasks: 0 });
    expect((await task(s, 'T-300')).status).toBe(200);
    expect(count(s.db, 'SELECT COUNT(*) FROM reminders')).toBe(6);
    const held = lines.filter((l) => l.msg.startsWith('pruning only the records before'));
    expect(held).toHaveLength(2);
    // The records agree with the clock read ahead: only the two days a pass hold it back, and the warning says so.
    for (const warning of held) expect(warning.msg).toContain('a guard against a clock read ahead');
    expect(held[0]?.msg).not.toContain('the clock is ahead of the records');
    // The clock corrected: the cutoff applied never goes back, and today's pass is today's.
    expect(await s.retention.prune()).toMatchObject({ kept_from: addDays(today, -400) });
    expect(lines).toHaveLength(2);
  });
});

describe('records retention and the result bodies of a kept first answer', () => {
  it('keeps the bodies a kept answer refers to when an answer of the same day giving them is pruned', async () => {
    server = await testServer({ records: { retentionDays: 400 } });
    const s = server;
    const ids = await analyse(s, 'MZ-LATE', 'T-LATE-1');
    // Analysed again that day: the same results, the same result bodies.
    expect(await analyse(s, 'MZ-LATE', 'T-LATE-1b')).toEqual(ids);
    ageRecords(s.db, 500);
    await analyse(s, 'MZ-TODAY', 'T-TODAY');
    // A late decision today keeps its reminder, and with it the reminder's first answer T-LATE-1; T-LATE-1b goes.
    expect(await feedback(s, [{ jrId: ids[0]!, way: '2' }])).toBe(0);
    const before = (await task(s, 'T-LATE-1')).body;
    expect(before.results.map((r) => typeof r.rule_name)).toEqual(['string', 'string']);

    expect(await s.retention.prune()).toMatchObject({ reminders: 1, tasks: 1 });
    expect((await task(s, 'T-LATE-1b')).status).toBe(404);
    expect((await task(s, 'T-LATE-1')).body).toEqual(before);
    const withoutBody = `SELECT COUNT(*) FROM tasks t, json_each(t.results) j
      WHERE NOT EXISTS (SELECT 1 FROM result_bodies b WHERE b.id = json_extract(j.value, '$[4]'))`;
    expect(count(s.db, withoutBody)).toBe(0);
    // Once its reminder goes too (nothing keeps it in the window any more), the answer goes with its bodies.
    s.db.prepare('UPDATE dispositions SET at = at - ?').run(500 * DAY_MS);
    expect(await s.retention.prune()).toMatchObject({ reminders: 1, tasks: 1, result_bodies: 2 });
    expect(count(s.db, withoutBody)).toBe(0);
  });
});

describe('records retention and the decisions sent to the 数据归集 platform', () => {
  let sidecar: SidecarWithPlatform | undefined;
  afterEach(async () => {
    await sidecar?.close();
    sidecar = undefined;
  });

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(done()).toBe(true);
  };

  it("sends a decision on a jr_id answered again after its reminder was pruned under a new revision's id", async () => {
    sidecar = await sidecarWithPlatform({ records: { retentionDays: 400 } });
    const s = sidecar.server;
    const { deliveries } = sidecar.platform;
    /** The decisions the platform took, in the order it took them. */
    const received = () =>
      deliveries
        .filter((d) => d.body.kind === 'disposition')
        .map((d) => ({ key: d.key, revision: d.body.payload.revision as number | undefined }));
    const ids = await analyse(s, 'ZY-AGAIN', 'T-AGAIN-1');
    expect(await feedback(s, [{ jrId: ids[0]!, way: '2' }])).toBe(0);
    expect(await feedback(s, [{ jrId: ids[0]!, way: '1', reason: '已核实' }])).toBe(0);
    await until(() => count(s.db, 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL') >= 1);
    await until(() => received().some((r) => r.revision === 2));
    ageRecords(s.db, 500);
    await analyse(s, 'MZ-TODAY', 'T-TODAY');
    expect(await s.retention.prune()).toMatchObject({ reminders: 2, dispositions: 1 });

    // The same stay under the same library: the same jr_ids, a reminder written afresh, decided again.
    expect(await analyse(s, 'ZY-AGAIN', 'T-AGAIN-2')).toEqual(ids);
    const sent = received().length;
    expect(await feedback(s, [{ jrId: ids[0]!, way: '2' }])).toBe(0);
    await until(() => received().length > sent);
    // Under its id of old, the platform would take it for the decision it already has and drop it.
    const keys = received().map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(received().at(-1)).toMatchObject({ key: expect.stringMatching(/:r3$/), revision: 3 });
    // And across a second pruning of it.
    ageRecords(s.db, 500);
    await analyse(s, 'MZ-TODAY-2', 'T-TODAY-2');
    expect(await s.retention.prune()).toMatchObject({ dispositions: 1 });
    expect(await analyse(s, 'ZY-AGAIN', 'T-AGAIN-3')).toEqual(ids);
    const sentBefore = received().length;
    expect(await feedback(s, [{ jrId: ids[0]!, way: '1', reason: '复核' }])).toBe(0);
    await until(() => received().length > sentBefore);
    expect(new Set(received().map((r) => r.key)).size).toBe(received().length);
    expect(received().at(-1)).toMatchObject({ revision: 4 });
  });
});
