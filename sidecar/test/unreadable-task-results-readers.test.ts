/**
 * One tasks row whose results is not readable JSON (a disk fault, a hand edit) must cost only itself. Its results were
 * read in SQL with json_each, which fails the whole statement over one damaged row: the recording of a later answer
 * of the same encounter, a 3103 continuing one of its reminders, the start (the continued decisions are read back)
 * and every retention pass failed with it. So did valid JSON of the wrong shape, whose scalar entries json_extract
 * and ->> read as malformed JSON. A real sidecar over a real SQLite file, real 3101/3103 over loopback HTTP for real
 * national items; the row is damaged with SQL as a full disk or a hand edit leaves it.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { PAY_DAYS, stayEnvelope } from './fixtures/overrun-course';
import { capturingLogger } from './helpers/capturing-logger';
import { callOverHttp, tempDataDir, testServer } from './helpers/test-server';
import { ageRecords } from './retention-support';

let dataDir: string | undefined;
let server: SidecarServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

type Answer = { jr_id: string; prior_dspo?: true }[];

/** What a full disk leaves of a stored results text, and what a hand edit dropping its outer brackets leaves. */
const DAMAGES = [
  { kind: 'cut short', damage: (results: string): string => results.slice(0, Math.floor(results.length / 2)) },
  {
    kind: 'valid JSON of the wrong shape',
    damage: (results: string): string => JSON.stringify((JSON.parse(results) as unknown[])[0]),
  },
];

/** Replaces the stored results of `taskId` with `damage` of them: the row id and the text left. */
function damageResults(s: SidecarServer, taskId: string, damage: (results: string) => string) {
  const row = s.db.prepare('SELECT id, results FROM tasks WHERE task_id = ?').get(taskId) as {
    id: number;
    results: string;
  };
  const damaged = damage(row.results);
  expect(s.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(damaged, row.id).changes).toBe(1);
  return { id: row.id, damaged };
}

async function analyse(s: SidecarServer, encounterId: string, taskId: string, rxPrefix?: string): Promise<Answer> {
  const reply = await callOverHttp(s, analysisEnvelope({ encounterId, taskId, rxPrefix }));
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  expect(reply.body.output.result).toHaveLength(2);
  return reply.body.output.result as Answer;
}

async function continueOn(s: SidecarServer, jrId: string): Promise<number> {
  const reply = await callOverHttp(s, feedbackEnvelope([{ jrId, way: '1', reason: '已核实' }]));
  return reply.body.infcode;
}

/**
 * GET on the listening sidecar: its status and body. /v1/stats first writes every answer queued, which is what it is
 * called for here: nothing in the figures reads tasks.results.
 */
async function get(url: string, route: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${route}`);
  return { status: response.status, text: await response.text() };
}

describe.each(DAMAGES)('a tasks row whose results is $kind', ({ damage }) => {
  it('is passed over by the later answers, 3103s, the start and retention, which prunes it by age', async () => {
    dataDir = tempDataDir();
    const { logger, lines } = capturingLogger();
    server = await testServer({ dataDir, records: { retentionDays: 400 } }, { logger });
    let url = (await server.listen()).url;
    const damagedJrIds = (await analyse(server, 'MZ-DAMAGED', 'T-DAMAGED')).map((r) => r.jr_id);
    const okJrIds = (await analyse(server, 'MZ-OK', 'T-OK')).map((r) => r.jr_id);
    expect((await get(url, '/v1/stats')).status).toBe(200);

    const { id: rowId, damaged } = damageResults(server, 'T-DAMAGED', damage);

    // A 3103 continuing a reminder first answered in the damaged task, and one of another task.
    expect(await continueOn(server, damagedJrIds[1]!)).toBe(0);
    expect(await continueOn(server, okJrIds[0]!)).toBe(0);

    // Later 3101s of both encounters, marked with the decisions.
    const again = await analyse(server, 'MZ-DAMAGED', 'T-DAMAGED-2');
    expect(again.map((r) => [r.jr_id, r.prior_dspo])).toEqual([
      [damagedJrIds[0], undefined],
      [damagedJrIds[1], true],
    ]);
    expect((await analyse(server, 'MZ-OK', 'T-OK-2')).map((r) => r.prior_dspo)).toEqual([true, undefined]);
    const stats = await get(url, '/v1/stats');
    expect(stats.status, stats.text).toBe(200);
    expect((await get(url, '/v1/tasks/T-DAMAGED-2')).status).toBe(200);

    // The continued decisions are read back at the start.
    await server.close();
    server = await testServer({ dataDir, records: { retentionDays: 400 } }, { logger });
    url = (await server.listen()).url;
    expect((await analyse(server, 'MZ-OK', 'T-OK-3')).map((r) => r.prior_dspo)).toEqual([true, undefined]);
    expect((await analyse(server, 'MZ-DAMAGED', 'T-DAMAGED-4')).map((r) => r.prior_dspo)).toEqual([undefined, true]);
    expect((await get(url, '/v1/stats')).status).toBe(200);

    // 500 days on, once the workstation answers again, a pass prunes every earlier answer, the damaged one too,
    // with one warn naming its row, never its text.
    ageRecords(server.db, 500);
    await analyse(server, 'MZ-TODAY', 'T-TODAY');
    expect((await get(url, '/v1/stats')).status).toBe(200);
    const report = await server.retention.prune();
    expect(report).toMatchObject({ tasks: 6 });
    expect(server.db.prepare('SELECT task_id FROM tasks').pluck().all()).toEqual(['T-TODAY']);
    const warned = lines.filter((line) => line.level === 40 && line.table === 'tasks');
    expect(warned.map((line) => [line.row_id, line.column])).toEqual([[rowId, 'results']]);
    // As the log holds it: JSON-escaped.
    expect(JSON.stringify(lines)).not.toContain(JSON.stringify(damaged).slice(1, -1));
    expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
  });

  it("is passed over when a later answer's recording looks for an earlier reminder to fold into it", async () => {
    dataDir = tempDataDir();
    const { logger, lines } = capturingLogger();
    server = await testServer({ dataDir }, { logger });
    const url = (await server.listen()).url;
    const stay = 'ZY-DAMAGED';
    for (const day of [27, 28]) {
      const reply = await callOverHttp(server, stayEnvelope(stay, 'P-DAMAGED', day));
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
    }
    expect((await get(url, '/v1/stats')).status).toBe(200);
    // Day 27's answer, the first of its reminder (undecided, so a later reminder of its course folds it in).
    damageResults(server, `${stay}-27`, damage);

    // Day 29 and the settlement are answered and recorded; the days still readable are folded into a later reminder.
    for (const day of [29, 'settlement'] as const) {
      const reply = await callOverHttp(server, stayEnvelope(stay, 'P-DAMAGED', day));
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
    }
    const stats = await get(url, `/v1/stats?by=rule&rule=${PAY_DAYS}`);
    expect(stats.status, stats.text).toBe(200);
    for (const day of [29, 'settlement']) expect((await get(url, `/v1/tasks/${stay}-${day}`)).status).toBe(200);
    const folded = server.db.prepare(`SELECT t.task_id FROM reminders r JOIN tasks t ON t.id = r.first_task
      WHERE r.folded_into IS NOT NULL ORDER BY t.task_id`);
    expect(folded.pluck().all()).toEqual([`${stay}-28`, `${stay}-29`]);
    expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
  });

  it('is passed over as the first answer of a reminder kept, while a pass prunes the old answers around it', async () => {
    dataDir = tempDataDir();
    const { logger, lines } = capturingLogger();
    server = await testServer({ dataDir, records: { retentionDays: 400 } }, { logger });
    const url = (await server.listen()).url;
    const keptJrIds = (await analyse(server, 'MZ-KEPT', 'T-KEPT')).map((r) => r.jr_id);
    await analyse(server, 'MZ-GONE', 'T-GONE');
    expect((await get(url, '/v1/stats')).status).toBe(200);
    ageRecords(server.db, 500);
    // Continued today: its reminder is kept, and with it its first answer, whose result bodies are then kept too.
    expect(await continueOn(server, keptJrIds[0]!)).toBe(0);
    damageResults(server, 'T-KEPT', damage);
    await analyse(server, 'MZ-TODAY', 'T-TODAY');
    expect((await get(url, '/v1/stats')).status).toBe(200);

    expect(await server.retention.prune()).toMatchObject({ tasks: 1 });
    expect(server.db.prepare('SELECT task_id FROM tasks ORDER BY id').pluck().all()).toEqual(['T-KEPT', 'T-TODAY']);
    expect(server.db.prepare('SELECT COUNT(*) FROM reminders WHERE jr_id = ?').pluck().get(keptJrIds[0])).toBe(1);
    expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
  });
});
