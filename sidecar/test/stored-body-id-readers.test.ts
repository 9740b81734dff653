/**
 * Every reader of tasks.results reads an entry's result body id one way (storedBodyIdSql): the task page, the flagged
 * lines a continued reminder covers (flagged-lines.ts), the answer sightings (body_seen) and the pruning. A hand repair
 * or a disk fault can leave anything in that place; the recorder writes a JSON integer. Before, the sightings inserted
 * whatever json_extract gave into body_seen's INTEGER PRIMARY KEY: "12x" failed the whole batch with "datatype
 * mismatch", and with it every retention pass from then on, and null took a fresh id. A real sidecar over a real
 * SQLite file, real 3101s over loopback HTTP for real national items; the rows are damaged with SQL as a hand edit
 * leaves them.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { FLAGGED_LINES } from '../src/store/flagged-lines';
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

type ResultRef = [string, string, number, number, number];

interface TaskPage {
  results: { jr_id: string }[];
  results_unread?: number;
  results_unreadable?: true;
}

async function started(): Promise<{
  s: SidecarServer;
  url: string;
  lines: ReturnType<typeof capturingLogger>['lines'];
}> {
  dataDir = tempDataDir();
  const { logger, lines } = capturingLogger();
  server = await testServer({ dataDir, records: { retentionDays: 400 } }, { logger });
  return { s: server, url: (await server.listen()).url, lines };
}

/** One 3101 answered with two results and recorded (/v1/stats writes every answer queued): its row and references. */
async function recorded(
  s: SidecarServer,
  url: string,
  taskId: string,
  encounterId = `MZ-${taskId}`,
): Promise<{ id: number; refs: ResultRef[] }> {
  const reply = await callOverHttp(s, analysisEnvelope({ encounterId, taskId }));
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  expect((await fetch(`${url}/v1/stats`)).status).toBe(200);
  const row = s.db.prepare('SELECT id, results FROM tasks WHERE task_id = ?').get(taskId) as {
    id: number;
    results: string;
  };
  const refs = JSON.parse(row.results) as ResultRef[];
  expect(refs).toHaveLength(2);
  return { id: row.id, refs };
}

/** Stores `bodyIds` as the body ids of the row's references, as a hand edit leaves them. */
function setBodyIds(s: SidecarServer, row: { id: number; refs: ResultRef[] }, bodyIds: unknown[]): void {
  const results = row.refs.map((ref, i) => [ref[0], ref[1], ref[2], ref[3], i < bodyIds.length ? bodyIds[i] : ref[4]]);
  s.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(JSON.stringify(results), row.id);
}

async function taskPage(url: string, taskId: string): Promise<TaskPage> {
  const response = await fetch(`${url}/v1/tasks/${taskId}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as TaskPage;
}

/** The lines a reminder flagged, as DispositionStore reads them for a 3103 continuing it and at the start. */
function flaggedLines(s: SidecarServer, jrId: string): unknown[] {
  return s.db.prepare(`${FLAGGED_LINES} AND r.jr_id = ? ORDER BY rxId`).all(jrId);
}

function ids(s: SidecarServer, sql: string, ...params: unknown[]): number[] {
  return s.db
    .prepare(sql)
    .pluck()
    .all(...params) as number[];
}

/** 500 days on, the workstation answers again: a pass is due to prune every earlier answer. */
async function answeredToday(s: SidecarServer, url: string): Promise<{ id: number; refs: ResultRef[] }> {
  ageRecords(s.db, 500);
  return recorded(s, url, 'T-TODAY');
}

const noErrors = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => (line.level as number) >= 50 || typeof line.err === 'object');

/** The warns a pass gave on pruning a tasks row (the task page warns of a damaged row too, in other words). */
const pruneWarns = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => line.level === 40 && line.table === 'tasks' && String(line.msg).includes('is pruned'));

describe('a result body id that names no body', () => {
  it.each([
    ['digits and a letter', (id: number): unknown => `${id}x`],
    ['null', (): unknown => null],
  ])(
    '(%s) no longer stops retention: the pass prunes the old rows, and body_seen gets no junk row',
    async (_form, bodyId) => {
      const { s, url, lines } = await started();
      const damaged = await recorded(s, url, 'T-DAMAGED');
      setBodyIds(
        s,
        damaged,
        damaged.refs.map((ref) => bodyId(ref[4])),
      );
      const today = await answeredToday(s, url);

      const report = await s.retention.prune();
      expect(noErrors(lines)).toEqual([]);
      expect(report).toMatchObject({ tasks: 1 });
      expect(s.db.prepare('SELECT task_id FROM tasks').pluck().all()).toEqual(['T-TODAY']);
      // Only the bodies an answer names are seen; the damaged row's bodies cannot be named, so they stay.
      expect(ids(s, 'SELECT id FROM body_seen ORDER BY id')).toEqual(
        today.refs.map((ref) => ref[4]).sort((a, b) => a - b),
      );
      expect(ids(s, 'SELECT id FROM result_bodies ORDER BY id')).toEqual(
        [...damaged.refs, ...today.refs].map((ref) => ref[4]).sort((a, b) => a - b),
      );
      const warned = pruneWarns(lines);
      expect(warned.map((line) => [line.row_id, line.column, line.entries])).toEqual([[damaged.id, 'results', 2]]);
      expect(warned[0]!.msg).toContain('2 entries that name no result body');
      // And the next pass too.
      expect(await s.retention.prune()).toBeDefined();
      expect(noErrors(lines)).toEqual([]);
    },
  );

  it('in one entry of two: the pass prunes the task with the body its other entry names; the unnamed one stays', async () => {
    const { s, url, lines } = await started();
    const row = await recorded(s, url, 'T-HALF');
    const [first, second] = row.refs as [ResultRef, ResultRef];
    setBodyIds(s, row, [`${first[4]}x`, second[4]]);
    const today = await answeredToday(s, url);

    expect(await s.retention.prune()).toMatchObject({ tasks: 1, result_bodies: 1 });
    expect(noErrors(lines)).toEqual([]);
    expect(ids(s, 'SELECT id FROM result_bodies ORDER BY id')).toEqual(
      [first[4], ...today.refs.map((ref) => ref[4])].sort((a, b) => a - b),
    );
    const warned = pruneWarns(lines);
    expect(warned.map((line) => [line.row_id, line.column, line.entries])).toEqual([[row.id, 'results', 1]]);
    expect(warned[0]!.msg).toContain('1 entry that names no result body; the row is pruned with the result bodies');
  });
});

describe('a result body id stored as decimal digits', () => {
  it('is read alike by the task page, the flagged lines and retention, which prunes its body with its task', async () => {
    const { s, url, lines } = await started();
    const row = await recorded(s, url, 'T-TEXT');
    const [first, second] = row.refs as [ResultRef, ResultRef];
    const flagged = flaggedLines(s, second[0]);
    expect(flagged.length).toBeGreaterThan(0);
    setBodyIds(s, row, [first[4], ` ${second[4]}\n`]);

    const page = await taskPage(url, 'T-TEXT');
    expect(page.results.map((r) => r.jr_id)).toEqual([first[0], second[0]]);
    expect(page.results_unread).toBeUndefined();
    expect(flaggedLines(s, second[0])).toEqual(flagged);

    const today = await answeredToday(s, url);
    expect(await s.retention.prune()).toMatchObject({ tasks: 1, result_bodies: 2 });
    expect(ids(s, 'SELECT id FROM result_bodies ORDER BY id')).toEqual(
      today.refs.map((ref) => ref[4]).sort((a, b) => a - b),
    );
    expect(ids(s, 'SELECT id FROM body_seen ORDER BY id')).toEqual(
      today.refs.map((ref) => ref[4]).sort((a, b) => a - b),
    );
    expect(lines.filter((line) => line.level === 40 && line.table === 'tasks')).toEqual([]);
    expect(noErrors(lines)).toEqual([]);
  });
});

describe('the forms that name no body', () => {
  const forms: [string, (id: number) => unknown][] = [
    ['a decimal point', (id) => `${id}.0`],
    ['an exponent', (id) => `${id}e0`],
    ['a sign', (id) => `+${id}`],
    ['a negative number', (id) => -id],
    ['hexadecimal', (id) => `0x${id.toString(16)}`],
    ['a fraction', (id) => `${id}.5`],
    ['true', () => true],
    ['null', () => null],
    ['an array', (id) => [id]],
    // GLOB, length and CAST stop at a NUL: the text read as the digits before it.
    ['a NUL after the digits', (id) => `${id}\u0000x`],
  ];
  it('are malformed to the task page, the flagged lines, the sightings and retention alike', async () => {
    const { s, url, lines } = await started();
    const rows: { id: number; refs: ResultRef[] }[] = [];
    for (const [index, [form, bodyId]] of forms.entries()) {
      const taskId = `T-FORM-${index}`;
      const row = await recorded(s, url, taskId);
      const [first, second] = row.refs as [ResultRef, ResultRef];
      expect(flaggedLines(s, second[0]).length, form).toBeGreaterThan(0);
      setBodyIds(s, row, [first[4], bodyId(second[4])]);
      rows.push(row);

      const page = await taskPage(url, taskId);
      expect(
        page.results.map((r) => r.jr_id),
        form,
      ).toEqual([first[0]]);
      expect(page.results_unread, form).toBe(1);
      expect(flaggedLines(s, second[0]), form).toEqual([]);
    }
    const today = await answeredToday(s, url);

    // Each damaged row's readable reference was seen, and its body goes with the row; the other body stays unseen.
    expect(await s.retention.prune()).toMatchObject({ tasks: forms.length, result_bodies: forms.length });
    expect(noErrors(lines)).toEqual([]);
    expect(s.db.prepare('SELECT task_id FROM tasks').pluck().all()).toEqual(['T-TODAY']);
    expect(ids(s, 'SELECT id FROM body_seen ORDER BY id')).toEqual(
      today.refs.map((ref) => ref[4]).sort((a, b) => a - b),
    );
    expect(ids(s, 'SELECT id FROM result_bodies ORDER BY id')).toEqual(
      [...rows.map((row) => row.refs[1]!), ...today.refs].map((ref) => ref[4]).sort((a, b) => a - b),
    );
    const warned = pruneWarns(lines);
    expect(warned.map((line) => [line.row_id, line.entries])).toEqual(rows.map((row) => [row.id, 1]));
  });
});

describe('a task whose created_at no day can be read from', () => {
  // A disk fault or a hand edit. Its day was NULL in the sightings: body_seen's NOT NULL failed the batch, the
  // tasks_read cursor never moved, and every pass from then on failed; and as the task written last, its time threw
  // in the cutoff's shanghaiDay.
  it.each([
    ['past year 9999', 1e16],
    ['before year 1', -1e16],
    ['a text', 'not a time'],
    // SQLite's date() reads it (back to 4713 BC); a sidecar never wrote it: unreadable to both readers alike.
    ['before year 1, after 4713 BC', -1e14],
  ])(
    '(%s) stops no pass: the old rows are pruned, it is kept with a warn, and its bodies are kept',
    async (_form, at) => {
      const { s, url, lines } = await started();
      const old = await recorded(s, url, 'T-OLD');
      const today = await answeredToday(s, url);
      const damaged = await recorded(s, url, 'T-DAMAGED');
      s.db.prepare('UPDATE tasks SET created_at = ? WHERE id = ?').run(at, damaged.id);

      const report = await s.retention.prune();
      expect(noErrors(lines)).toEqual([]);
      expect(report).toMatchObject({ tasks: 1, result_bodies: 2 });
      expect(s.db.prepare('SELECT task_id FROM tasks ORDER BY id').pluck().all()).toEqual(['T-TODAY', 'T-DAMAGED']);
      const bodies = (row: { refs: ResultRef[] }) => row.refs.map((ref) => ref[4]).sort((a, b) => a - b);
      expect(ids(s, 'SELECT id FROM result_bodies ORDER BY id')).toEqual([...bodies(today), ...bodies(damaged)]);
      // Its bodies are protected as if seen on the last day there is, neither blocking nor exposed.
      expect(
        s.db.prepare('SELECT id, day FROM body_seen WHERE id IN (?, ?) ORDER BY id').all(...bodies(damaged)),
      ).toEqual(bodies(damaged).map((id) => ({ id, day: '9999-12-31' })));
      expect(ids(s, 'SELECT id FROM body_seen WHERE id IN (?, ?)', ...bodies(old))).toEqual([]);
      const warned = lines.filter((line) => line.level === 40 && line.column === 'created_at');
      expect(warned.map((line) => [line.table, line.row_id])).toEqual([['tasks', damaged.id]]);
      expect(String(warned[0]!.msg)).toBe(`tasks row ${damaged.id} created_at is not a time; the row is kept`);
      // Kept, it can still be opened: the page shows its reminders without a time rather than failing.
      const page = await fetch(`${url}/v1/tasks/T-DAMAGED`);
      expect(page.status).toBe(200);
      expect(await page.json()).toMatchObject({ task_id: 'T-DAMAGED', created_at: '' });

      // And the next pass too, and the one after a new answer.
      expect(await s.retention.prune()).toBeDefined();
      await recorded(s, url, 'T-LATER');
      expect(await s.retention.prune()).toBeDefined();
      expect(noErrors(lines)).toEqual([]);
    },
  );
});

describe('an earlier reminder folded into a later one', () => {
  // record-rows.ts read the body id by `->> 4`, which reads "12.0" as body 12: the daily reminder was folded into the
  // settlement's on lines the flagged lines, the page and the pruning say it never flagged.
  it('is not folded when its first answer names its body by a form every other reader calls malformed', async () => {
    const { s, url } = await started();
    const stay = 'ZY-FOLD-ID';
    const days: string[] = [];
    for (const day of [27, 28]) {
      const reply = await callOverHttp(s, stayEnvelope(stay, 'P-FOLD-ID', day));
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      const found = (reply.body.output.result ?? []).filter((r) => r.rule_id === PAY_DAYS);
      expect(found).toHaveLength(1);
      days.push(found[0]!.jr_id);
    }
    expect((await fetch(`${url}/v1/stats`)).status).toBe(200);
    const [day27, day28] = days as [string, string];
    const first = s.db
      .prepare('SELECT t.id, t.results FROM reminders r JOIN tasks t ON t.id = r.first_task WHERE r.jr_id = ?')
      .get(day27) as { id: number; results: string };
    const refs = JSON.parse(first.results) as unknown[][];
    expect(refs.filter((ref) => ref[0] === day27)).toHaveLength(1);
    const edited = refs.map((ref) => (ref[0] === day27 ? [...ref.slice(0, 4), `${String(ref[4])}.0`] : ref));
    s.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(JSON.stringify(edited), first.id);
    expect(flaggedLines(s, day27)).toEqual([]);
    expect(flaggedLines(s, day28).length).toBeGreaterThan(0);

    const settled = await callOverHttp(s, stayEnvelope(stay, 'P-FOLD-ID', 'settlement'));
    expect(settled.body.infcode, settled.body.err_msg).toBe(0);
    const settlement = (settled.body.output.result ?? []).find((r) => r.rule_id === PAY_DAYS)!.jr_id;
    expect((await fetch(`${url}/v1/stats`)).status).toBe(200);
    const foldedInto = s.db.prepare('SELECT folded_into FROM reminders WHERE jr_id = ?').pluck();
    expect(foldedInto.get(day28)).toBe(settlement);
    expect(foldedInto.get(day27)).toBeNull();
  });
});

describe('a kept first answer whose body ids are stored as text', () => {
  // Before ef9b141 retention read the kept first answers' body ids as json_extract gave them: " 12" never matched
  // the number 12 of an answer of the same day giving the same bodies, which was pruned and took them with it; the
  // kept answer's page then showed nothing.
  it('keeps the bodies it shares with a pruned answer of the same day, and its page shows them', async () => {
    const { s, url, lines } = await started();
    const rowA = await recorded(s, url, 'T-A', 'MZ-SHARED');
    const jrIds = rowA.refs.map((ref) => ref[0]);
    // Answered again that day: the same results, the same result bodies.
    const c = await recorded(s, url, 'T-C', 'MZ-SHARED');
    expect(c.refs).toEqual(rowA.refs);
    setBodyIds(
      s,
      rowA,
      rowA.refs.map((ref) => ` ${ref[4]}`),
    );
    ageRecords(s.db, 500);
    await recorded(s, url, 'T-TODAY');
    // Decided today: its reminder stays, and with it its first answer T-A; T-C goes.
    const decided = await callOverHttp(s, feedbackEnvelope([{ jrId: jrIds[0]!, way: '2', reason: '' }]));
    expect(decided.body.infcode, decided.body.err_msg).toBe(0);
    const before = await taskPage(url, 'T-A');
    expect(before.results.map((r) => r.jr_id)).toEqual(jrIds);

    expect(await s.retention.prune()).toMatchObject({ tasks: 1, result_bodies: 0 });
    expect(s.db.prepare('SELECT task_id FROM tasks ORDER BY id').pluck().all()).toEqual(['T-A', 'T-TODAY']);
    expect(ids(s, 'SELECT id FROM result_bodies WHERE id IN (?, ?)', ...rowA.refs.map((ref) => ref[4]))).toHaveLength(
      2,
    );
    expect(await taskPage(url, 'T-A')).toEqual(before);
    expect(noErrors(lines)).toEqual([]);
  });
});
