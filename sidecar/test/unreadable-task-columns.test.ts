/**
 * A task row's results, line_names or line_dates damaged by other means than a migration (a disk fault, a hand edit)
 * must cost only that column: GET /v1/tasks/<id> answers 200 with the answer shown without it (results unreadable
 * flagged as such, never passed off as no reminders), and one warn line names the table, row and column, never the text. A real sidecar over a real SQLite file, a real 3101 over loopback
 * HTTP for real national items.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { storedBodyIdSql } from '../src/store/unreadable-stored-json';
import { analysisEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callOverHttp, tempDataDir, testServer } from './helpers/test-server';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

interface TaskPage {
  results: { jr_id: string }[];
  line_names: Record<string, string>;
  line_dates: Record<string, string>;
  results_unreadable?: true;
  results_unread?: number;
}

type ResultRef = [string, string, number, number, number];

interface RecordedTask {
  server: Awaited<ReturnType<typeof testServer>>;
  url: string;
  lines: ReturnType<typeof capturingLogger>['lines'];
  /** The tasks row as recorded: its id and its results column (the result references) as text. */
  row: { id: number; results: string };
  refs: ResultRef[];
  /** The task page as first read: it waits for the record, so the row is there once it answers. */
  before: TaskPage;
}

/** A real sidecar on a fresh data dir that has answered one 3101 with two results and recorded it. */
async function recordedTask(taskId: string, encounterId: string): Promise<RecordedTask> {
  dataDir = tempDataDir();
  const { logger, lines } = capturingLogger();
  const server = await testServer({ dataDir }, { logger });
  try {
    const { url } = await server.listen();
    const answer = await callOverHttp(server, analysisEnvelope({ encounterId, taskId }));
    expect(answer.body.infcode, answer.body.err_msg).toBe(0);
    const before = await taskPage(url, taskId);
    expect(before.results).toHaveLength(2);
    const row = server.db.prepare('SELECT id, results FROM tasks WHERE task_id = ?').get(taskId) as RecordedTask['row'];
    return { server, url, lines, row, refs: JSON.parse(row.results) as ResultRef[], before };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** GET /v1/tasks/<id>, which must answer 200 whatever is damaged. */
async function taskPage(url: string, taskId: string): Promise<TaskPage> {
  const response = await fetch(`${url}/v1/tasks/${taskId}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as TaskPage;
}

describe('a task row whose results, line_names or line_dates is not readable JSON', () => {
  for (const column of ['results', 'line_names', 'line_dates'] as const) {
    it(`${column}: the task page answers without it, with one warn naming table, row and column`, async () => {
      const taskId = `T-DAMAGED-${column}`;
      const { server, url, lines, row, before } = await recordedTask(taskId, `MZ-${column}`);
      try {
        expect(Object.keys(before.line_names).length).toBeGreaterThan(0);
        expect(Object.keys(before.line_dates).length).toBeGreaterThan(0);

        // What a full disk leaves of it: its first half.
        const text = server.db.prepare(`SELECT ${column} FROM tasks WHERE id = ?`).pluck().get(row.id) as string;
        const damaged = text.slice(0, Math.floor(text.length / 2));
        server.db.prepare(`UPDATE tasks SET ${column} = ? WHERE id = ?`).run(damaged, row.id);

        const page = await taskPage(url, taskId);
        expect(page.results).toHaveLength(column === 'results' ? 0 : 2);
        // No results read is not "no reminders": the page must be told, or it would show the task as clean.
        expect(page.results_unreadable).toBe(column === 'results' ? true : undefined);
        expect(before.results_unreadable).toBeUndefined();
        expect(page.line_names).toEqual(column === 'line_names' ? {} : before.line_names);
        expect(page.line_dates).toEqual(column === 'line_dates' ? {} : before.line_dates);

        const warned = lines.filter((line) => line.level === 40 && line.table === 'tasks');
        expect(warned.map((line) => [line.row_id, line.column])).toEqual([[row.id, column]]);
        expect(JSON.stringify(warned)).not.toContain(damaged);
        expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
      } finally {
        await server.close();
      }
    });
  }

  it('every result body unreadable: no results read is flagged too, never shown as no reminders', async () => {
    const taskId = 'T-DAMAGED-BODIES';
    const { server, url, lines, refs } = await recordedTask(taskId, 'MZ-BODIES');
    try {
      // The first body alone: the other result is still shown, unflagged.
      const bodyIds = refs.map((ref) => ref[4]);
      expect(bodyIds).toHaveLength(2);
      const cut = (id: number) =>
        server.db.prepare('UPDATE result_bodies SET json = substr(json, 1, length(json) / 2) WHERE id = ?').run(id);
      cut(bodyIds[0]!);
      const partly = await taskPage(url, taskId);
      expect(partly.results).toHaveLength(1);
      expect(partly.results_unreadable).toBeUndefined();
      expect(partly.results_unread).toBe(1);
      cut(bodyIds[1]!);
      const none = await taskPage(url, taskId);
      expect(none.results).toEqual([]);
      expect(none.results_unreadable).toBe(true);
      expect(none.results_unread).toBe(2);
      expect(lines.filter((line) => line.level === 40 && line.table === 'result_bodies').length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  // Not JSON (a disk fault), JSON that is no object, an object with no jr_id (hand edits), no body row at all: each is
  // a reminder the page cannot show, so it is counted for the page to say so, never shown as a blank card.
  const damages: [string, string][] = [
    ['cut short', 'UPDATE result_bodies SET json = substr(json, 1, length(json) / 2) WHERE id = ?'],
    ['JSON but no object', `UPDATE result_bodies SET json = '"hand edit"' WHERE id = ?`],
    ['an object with no jr_id', `UPDATE result_bodies SET json = json_remove(json, '$.jr_id') WHERE id = ?`],
    ['gone', 'DELETE FROM result_bodies WHERE id = ?'],
  ];
  for (const [damage, sql] of damages) {
    it(`one of two result bodies ${damage}: the other is shown, and results_unread counts the one left out`, async () => {
      const taskId = 'T-ONE-UNREAD';
      const { server, url, lines, refs, before } = await recordedTask(taskId, 'MZ-ONE-UNREAD');
      try {
        expect(before).not.toHaveProperty('results_unread');
        server.db.prepare(sql).run(refs[0]![4]);

        const page = await taskPage(url, taskId);
        expect(page.results.map((r) => r.jr_id)).toEqual([refs[1]![0]]);
        expect(page.results_unread).toBe(1);
        expect(page.results_unreadable).toBeUndefined();
        const warned = lines.filter((line) => line.level === 40 && line.table === 'result_bodies');
        expect(warned.map((line) => line.row_id)).toEqual([refs[0]![4]]);
      } finally {
        await server.close();
      }
    });
  }

  it('entries of the results column that are no result reference (hand edits): counted as unread, one warn', async () => {
    const taskId = 'T-MALFORMED-REF';
    const { server, url, lines, row, refs } = await recordedTask(taskId, 'MZ-MALFORMED-REF');
    try {
      expect(refs).toHaveLength(2);
      // A text, an object, a reference cut to its jr_id, one whose body id no SQL reader can match a body by: none
      // names a body to read.
      // The two that still name a shown jr_id were seen after all; one naming a reminder shown nowhere else is
      // counted once however often it appears.
      const damaged = [
        ...refs,
        'hand edit',
        { jr_id: refs[0]![0] },
        [refs[0]![0]],
        [refs[1]![0], refs[1]![1], refs[1]![2], refs[1]![3], `${refs[1]![4]}x`],
        ['JR-ONLY-IN-A-DAMAGED-ENTRY'],
        ['JR-ONLY-IN-A-DAMAGED-ENTRY', 'R'],
      ];
      server.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(JSON.stringify(damaged), row.id);

      const page = await taskPage(url, taskId);
      expect(page.results.map((r) => r.jr_id)).toEqual(refs.map((r) => r[0]));
      expect(page.results_unread).toBe(3);
      expect(page.results_unreadable).toBeUndefined();
      const warned = lines.filter((line) => line.level === 40);
      expect(warned.map((line) => [line.table, line.row_id, line.column])).toEqual([['tasks', row.id, 'results']]);
      expect(JSON.stringify(warned)).not.toContain('hand edit');
    } finally {
      await server.close();
    }
  });

  it('one missing body referenced twice: counted once, warned once', async () => {
    const taskId = 'T-TWICE-UNREAD';
    const { server, url, lines, row, refs } = await recordedTask(taskId, 'MZ-TWICE-UNREAD');
    try {
      server.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(JSON.stringify([...refs, refs[0]]), row.id);
      server.db.prepare('DELETE FROM result_bodies WHERE id = ?').run(refs[0]![4]);

      const page = await taskPage(url, taskId);
      expect(page.results.map((r) => r.jr_id)).toEqual([refs[1]![0]]);
      expect(page.results_unread).toBe(1);
      const warned = lines.filter((line) => line.level === 40 && line.table === 'result_bodies');
      expect(warned.map((line) => line.row_id)).toEqual([refs[0]![4]]);
    } finally {
      await server.close();
    }
  });

  it('results of the wrong shape (one reference whose outer brackets a hand edit dropped): flagged, no blank card', async () => {
    const taskId = 'T-WRONG-SHAPE';
    const { server, url, row, refs } = await recordedTask(taskId, 'MZ-SHAPE');
    try {
      server.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(JSON.stringify(refs[0]), row.id);
      const page = await taskPage(url, taskId);
      expect(page.results).toEqual([]);
      expect(page.results_unreadable).toBe(true);
    } finally {
      await server.close();
    }
  });

  // flagged-lines.ts, answer-sightings.ts and retention.ts read an entry's body by storedBodyIdSql: a JSON integer, or
  // a text of decimal digits with ASCII blanks around it. The page must read the same bodies, and call malformed
  // exactly the entries they cannot read one by (stored-body-id-readers.test.ts runs those readers themselves).
  const sqlReaderBody = `SELECT b.id FROM tasks t, json_each(t.results) j
    JOIN result_bodies b ON b.id = ${storedBodyIdSql("CASE WHEN j.type = 'array' THEN j.value END")}
    WHERE t.id = ? AND j.key = 1`;
  it('a body id stored as text: read as the SQL readers of the column read it, malformed where they cannot', async () => {
    const taskId = 'T-TEXT-BODY-ID';
    const { server, url, lines, row, refs } = await recordedTask(taskId, 'MZ-TEXT-BODY-ID');
    try {
      const [first, second] = refs as [ResultRef, ResultRef];
      const id = second[4];
      const gone = (server.db.prepare('SELECT MAX(id) + 1 FROM result_bodies').pluck().get() as number) + 1;
      const forms: [string, unknown, 'shown' | 'gone' | 'malformed'][] = [
        ['digits', String(id), 'shown'],
        ['digits with blanks around', ` ${id}\t`, 'shown'],
        ['a number as JSON', id, 'shown'],
        ['digits of a body that is gone', String(gone), 'gone'],
        ['a decimal point', `${id}.0`, 'malformed'],
        ['an exponent', `${id}e0`, 'malformed'],
        ['a sign', `+${id}`, 'malformed'],
        ['a negative number as JSON', -id, 'malformed'],
        ['true', true, 'malformed'],
        ['digits and a letter', `${id}x`, 'malformed'],
        ['a fraction', `${id}.5`, 'malformed'],
        ['hexadecimal', `0x${id.toString(16)}`, 'malformed'],
        ['a no-break space (no ASCII blank)', `\u00a0${id}`, 'malformed'],
        ['an empty text', '', 'malformed'],
        ['null', null, 'malformed'],
        ['an array', [id], 'malformed'],
      ];
      for (const [form, bodyId, read] of forms) {
        const results = [first, [second[0], second[1], second[2], second[3], bodyId]];
        server.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(JSON.stringify(results), row.id);
        const warnedBefore = lines.length;

        const page = await taskPage(url, taskId);
        const sqlRead = server.db.prepare(sqlReaderBody).pluck().all(row.id);
        expect(sqlRead, form).toEqual(read === 'shown' ? [id] : []);
        expect(
          page.results.map((r) => r.jr_id),
          form,
        ).toEqual(read === 'shown' ? [first[0], second[0]] : [first[0]]);
        expect(page.results_unread, form).toBe(read === 'shown' ? undefined : 1);
        expect(page.results_unreadable, form).toBeUndefined();
        const warned = lines.slice(warnedBefore).filter((line) => line.level === 40);
        expect(
          warned.map((line) => [line.table, line.row_id]),
          form,
        ).toEqual(read === 'shown' ? [] : read === 'gone' ? [['result_bodies', gone]] : [['tasks', row.id]]);
      }
    } finally {
      await server.close();
    }
  });

  it('one jr_id referenced twice: shown once, from its first readable reference, one warn naming the row', async () => {
    const taskId = 'T-JR-TWICE';
    const { server, url, lines, row, refs } = await recordedTask(taskId, 'MZ-JR-TWICE');
    try {
      const [first, second] = refs as [ResultRef, ResultRef];
      // A second body of the first reminder, told apart by a mark, and a body id no row has.
      const copy = Number(
        server.db
          .prepare(
            `INSERT INTO result_bodies (jr_id, json) SELECT jr_id, json_set(json, '$.copy_mark', 'copy')
             FROM result_bodies WHERE id = ?`,
          )
          .run(first[4]).lastInsertRowid,
      );
      const gone = (server.db.prepare('SELECT MAX(id) + 1 FROM result_bodies').pluck().get() as number) + 1;
      const as = (ref: ResultRef, bodyId: unknown) => [ref[0], ref[1], ref[2], ref[3], bodyId];
      const results = [as(first, gone), second, as(first, copy), first, second, as(second, String(second[4]))];
      server.db.prepare('UPDATE tasks SET results = ? WHERE id = ?').run(JSON.stringify(results), row.id);

      const page = await taskPage(url, taskId);
      // The first reminder's first reference is unreadable: it is shown where it is first read, from that body.
      expect(page.results.map((r) => r.jr_id)).toEqual([second[0], first[0]]);
      expect((page.results[1] as { copy_mark?: string }).copy_mark).toBe('copy');
      expect(page.results_unread).toBeUndefined();
      expect(page.results_unreadable).toBeUndefined();
      const warned = lines.filter((line) => line.level === 40);
      expect(warned.map((line) => [line.table, line.row_id, line.column, line.repeated])).toEqual([
        ['result_bodies', gone, undefined, undefined],
        ['tasks', row.id, 'results', 3],
      ]);
      expect(JSON.stringify(warned)).not.toContain(first[0]);
    } finally {
      await server.close();
    }
  });
});
