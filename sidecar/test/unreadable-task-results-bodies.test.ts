/**
 * The result bodies a damaged tasks row named (its results not readable JSON: a disk fault, a hand edit) cannot be
 * named when a retention pass prunes the row by its age: they stayed for good, patient data kept past the window the
 * hospital set. A pass now sweeps the bodies no remaining answer names, and never one an answer within the window
 * gave. A real sidecar over a real SQLite file, real 3101s over loopback HTTP for real national items; the rows are
 * damaged with SQL as a full disk or a hand edit leaves them.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callOverHttp, tempDataDir, testServer } from './helpers/test-server';
import { ageRecords, count } from './retention-support';

let dataDir: string | undefined;
let server: SidecarServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** What a full disk leaves of a stored results text, and what a hand edit dropping its outer brackets leaves. */
const DAMAGES = [
  { kind: 'cut short', damage: (results: string): string => results.slice(0, Math.floor(results.length / 2)) },
  {
    kind: 'valid JSON of the wrong shape',
    damage: (results: string): string => JSON.stringify((JSON.parse(results) as unknown[])[0]),
  },
];

async function analyse(s: SidecarServer, encounterId: string, taskId: string): Promise<void> {
  const reply = await callOverHttp(s, analysisEnvelope({ encounterId, taskId }));
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  expect(reply.body.output.result).toHaveLength(2);
}

/** Every queued answer written (/v1/stats writes them first). */
async function written(url: string): Promise<void> {
  expect((await fetch(`${url}/v1/stats`)).status).toBe(200);
}

/** The stored row of `taskId`: its id and the result bodies its results name. */
function taskRow(s: SidecarServer, taskId: string): { id: number; bodies: number[] } {
  const row = s.db.prepare('SELECT id, results FROM tasks WHERE task_id = ?').get(taskId) as {
    id: number;
    results: string;
  };
  return { id: row.id, bodies: (JSON.parse(row.results) as unknown[][]).map((r) => r[4] as number) };
}

function damageResults(s: SidecarServer, taskId: string, damage: (results: string) => string): void {
  const results = s.db.prepare('SELECT results FROM tasks WHERE task_id = ?').pluck().get(taskId) as string;
  expect(s.db.prepare('UPDATE tasks SET results = ? WHERE task_id = ?').run(damage(results), taskId).changes).toBe(1);
}

/** The reminders first answered by `taskId`. */
function reminderIds(s: SidecarServer, taskId: string): string[] {
  return s.db
    .prepare<[string], string>(
      'SELECT r.jr_id FROM reminders r JOIN tasks t ON t.id = r.first_task WHERE t.task_id = ? ORDER BY r.jr_id',
    )
    .pluck()
    .all(taskId);
}

function stored(s: SidecarServer, table: 'result_bodies' | 'body_seen', ids: number[]): number {
  return count(s.db, `SELECT COUNT(*) FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
}

describe.each(DAMAGES)('a tasks row whose results is $kind', ({ damage }) => {
  it('is pruned by age with the bodies only it named; a body an answer within the window gave stays', async () => {
    dataDir = tempDataDir();
    const { logger, lines } = capturingLogger();
    server = await testServer({ dataDir, records: { retentionDays: 400 } }, { logger });
    const url = (await server.listen()).url;

    // One answer read by a pass (its bodies noted as seen) before it is damaged; one damaged before any pass read it.
    await analyse(server, 'MZ-READ', 'T-READ');
    await written(url);
    expect(await server.retention.prune()).toMatchObject({ tasks: 0, result_bodies: 0, result_bodies_unnamed: 0 });
    await analyse(server, 'MZ-UNREAD', 'T-UNREAD');
    await analyse(server, 'MZ-SHARED', 'T-SHARED-OLD');
    await written(url);
    const read = taskRow(server, 'T-READ');
    const unread = taskRow(server, 'T-UNREAD');
    const sharedOld = taskRow(server, 'T-SHARED-OLD');
    expect(stored(server, 'body_seen', read.bodies)).toBe(2);
    expect(stored(server, 'body_seen', unread.bodies)).toBe(0);
    for (const taskId of ['T-READ', 'T-UNREAD', 'T-SHARED-OLD']) damageResults(server, taskId, damage);

    // 500 days on (the days the bodies were seen too), the shared encounter is answered again: the recorder gives
    // the same stored bodies, now named by a readable answer within the window.
    ageRecords(server.db, 500);
    server.db.prepare("UPDATE body_seen SET day = date(day, '-500 days')").run();
    await analyse(server, 'MZ-SHARED', 'T-SHARED-NEW');
    await analyse(server, 'MZ-TODAY', 'T-TODAY');
    await written(url);
    const sharedNew = taskRow(server, 'T-SHARED-NEW');
    expect(sharedNew.bodies).toEqual(sharedOld.bodies);

    const report = await server.retention.prune();
    // T-SHARED-OLD is the first answer of reminders answered again: kept, damaged as it is.
    expect(report).toMatchObject({ tasks: 2, result_bodies_unnamed: 4 });
    expect(server.db.prepare('SELECT task_id FROM tasks ORDER BY id').pluck().all()).toEqual([
      'T-SHARED-OLD',
      'T-SHARED-NEW',
      'T-TODAY',
    ]);
    const gone = [...read.bodies, ...unread.bodies];
    expect(stored(server, 'result_bodies', gone)).toBe(0);
    expect(stored(server, 'body_seen', gone)).toBe(0);
    expect(stored(server, 'result_bodies', [...sharedNew.bodies, ...taskRow(server, 'T-TODAY').bodies])).toBe(4);
    const shown = await fetch(`${url}/v1/tasks/T-SHARED-NEW`);
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { results: unknown[] }).results).toHaveLength(2);

    const warned = lines.filter((line) => line.level === 40 && line.table === 'tasks').map((line) => line.row_id);
    expect(warned).toEqual([read.id, unread.id]);
    const logged = lines.find((line) => line.msg === 'records older than 400 days pruned');
    expect(logged).toMatchObject({ tasks: 2, result_bodies_unnamed: 4 });
    expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);

    // Swept once: the next pass does not read the bodies again, and finds nothing.
    expect(count(server.db, "SELECT value FROM retention_progress WHERE name = 'unnamed_bodies'")).toBe(0);
    expect(await server.retention.prune()).toMatchObject({ tasks: 0, result_bodies: 0, result_bodies_unnamed: 0 });
  });

  it('keeps a reminder answered again in it once a pass read it; one damaged before that may go a window early', async () => {
    dataDir = tempDataDir();
    const { logger, lines } = capturingLogger();
    server = await testServer({ dataDir, records: { retentionDays: 400 } }, { logger });
    const url = (await server.listen()).url;
    await analyse(server, 'MZ-READ', 'T-READ-1');
    await analyse(server, 'MZ-UNREAD', 'T-UNREAD-1');
    await written(url);
    ageRecords(server.db, 500);
    // Both answered again today. The answer of MZ-UNREAD is damaged before a pass read it: its reminders are not
    // seen again there and go with their first answer, a window early. That of MZ-READ is read by the pass first.
    await analyse(server, 'MZ-READ', 'T-READ-2');
    await analyse(server, 'MZ-UNREAD', 'T-UNREAD-2');
    await written(url);
    const unreadJrIds = reminderIds(server, 'T-UNREAD-1');
    damageResults(server, 'T-UNREAD-2', damage);
    expect(await server.retention.prune()).toMatchObject({ reminders: 2, tasks: 1 });
    expect(
      count(
        server.db,
        'SELECT COUNT(*) FROM reminders WHERE jr_id IN (SELECT value FROM json_each(?))',
        JSON.stringify(unreadJrIds),
      ),
    ).toBe(0);

    // Damaged once read, the answer still keeps its reminders in the window (reminder_seen), and their first answer.
    const readJrIds = reminderIds(server, 'T-READ-1');
    damageResults(server, 'T-READ-2', damage);
    expect(await server.retention.prune()).toMatchObject({ reminders: 0, tasks: 0 });
    expect(server.db.prepare('SELECT jr_id FROM reminders ORDER BY jr_id').pluck().all()).toEqual(readJrIds.sort());
    expect(server.db.prepare('SELECT task_id FROM tasks ORDER BY id').pluck().all()).toEqual([
      'T-READ-1',
      'T-READ-2',
      'T-UNREAD-2',
    ]);
    expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
  });
});
