/**
 * The bodies retention keeps for the kept first answers from before the window, read once a pass (kept-first-bodies.ts)
 * rather than walked every batch: the set follows the kept answers as they join and leave during the pass, as a walk
 * each batch would. The first read goes a page at a time, requests going on between pages. A real SQLite file; the
 * statements are retention's shape over a reduced schema.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { KeptFirstBodies, type KeptPage } from '../src/store/kept-first-bodies';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function database() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-first-bodies-'));
  const db = new Database(path.join(dir, 'records.db'));
  db.exec(`CREATE TABLE tasks (id INTEGER PRIMARY KEY, results TEXT NOT NULL);
    CREATE TABLE reminders (jr_id TEXT PRIMARY KEY, first_task INTEGER NOT NULL, day TEXT NOT NULL);`);
  const all = db
    .prepare<[string], number>(
      `SELECT DISTINCT j.value ->> 4 FROM reminders r JOIN tasks t ON t.id = r.first_task, json_each(t.results) j
       WHERE r.day < ?`,
    )
    .pluck();
  const of = db
    .prepare<[string], number>(
      `SELECT DISTINCT j.value ->> 4 FROM tasks t, json_each(t.results) j
       WHERE t.id IN (SELECT value FROM json_each(?))`,
    )
    .pluck();
  const keptTasks = db.prepare<[string], number>('SELECT first_task FROM reminders WHERE day < ?').pluck();
  const task = (id: number, bodies: number[]) =>
    db.prepare('INSERT INTO tasks VALUES (?, ?)').run(id, JSON.stringify(bodies.map((b) => ['jr', 'r', 1, 1, b])));
  const reminder = (jrId: string, firstTask: number, day: string) =>
    db
      .prepare(
        'INSERT INTO reminders VALUES (?, ?, ?) ON CONFLICT (jr_id) DO UPDATE SET first_task = excluded.first_task, day = excluded.day',
      )
      .run(jrId, firstTask, day);
  const page = db
    .prepare<[KeptPage], number>(
      `SELECT DISTINCT first_task FROM reminders WHERE day < @day AND first_task > @after
       ORDER BY first_task LIMIT @limit`,
    )
    .pluck();
  const kept = new KeptFirstBodies(all, of, page);
  const update = () => kept.update(new Set(keptTasks.all('2025-01-01')), '2025-01-01');
  return { db, task, reminder, kept, update, all, of, page };
}

it('takes in the bodies of a first answer that joins the kept set during the pass', () => {
  const { db, task, reminder, kept, update } = database();
  task(1, [10, 11]);
  reminder('JR-A', 1, '2024-06-01');
  update();
  expect([10, 11, 12].map((b) => kept.has(b))).toEqual([true, true, false]);
  // Recorded during the pass with a clock behind the cutoff: a reminder dated before it, its first answer new.
  task(2, [12]);
  reminder('JR-B', 2, '2024-12-31');
  update();
  expect([10, 11, 12].map((b) => kept.has(b))).toEqual([true, true, true]);
  db.close();
});

it('lets go of the bodies only a first answer that left the kept set named', () => {
  const { db, task, reminder, kept, update } = database();
  task(1, [10, 11]);
  task(2, [11, 12]);
  reminder('JR-A', 1, '2024-06-01');
  reminder('JR-B', 2, '2024-06-01');
  update();
  expect([10, 11, 12].map((b) => kept.has(b))).toEqual([true, true, true]);
  // JR-A, known only from an undelivered answer, is taken over by today's delivered one: task 1 is no longer kept.
  task(3, [13]);
  reminder('JR-A', 3, '2026-12-02');
  update();
  expect([10, 11, 12, 13].map((b) => kept.has(b))).toEqual([false, true, true, false]);
  db.close();
});

it('walks the kept answers a page at a time, as the whole walk would give them', async () => {
  const { db, task, reminder, kept, all, of, page } = database();
  for (let id = 1; id <= 7; id++) {
    task(id, [id * 10, id * 10 + 1]);
    reminder(`JR-${id}`, id, '2024-06-01');
  }
  // Two reminders, one first answer: read once.
  reminder('JR-1b', 1, '2024-06-02');
  task(8, [80]);
  reminder('JR-8', 8, '2026-12-02');
  let pauses = 0;
  const walked = await kept.walk('2025-01-01', 3, async () => {
    pauses++;
    return true;
  });
  expect(walked).toBe(true);
  // 7 kept answers by 3: a pause after each full page, none after the last one.
  expect(pauses).toBe(2);
  expect([10, 11, 70, 71, 80].map((b) => kept.has(b))).toEqual([true, true, true, true, false]);
  const whole = new KeptFirstBodies(all, of, page);
  whole.update(new Set([1, 2, 3, 4, 5, 6, 7]), '2025-01-01');
  for (let b = 0; b <= 81; b++) expect(kept.has(b), `body ${b}`).toBe(whole.has(b));
  db.close();
});

it('catches up in update on an answer that joined during the walk, behind the page it had reached', async () => {
  const { db, task, reminder, kept, update } = database();
  for (let id = 2; id <= 5; id++) {
    task(id, [id * 10]);
    reminder(`JR-${id}`, id, '2024-06-01');
  }
  task(1, [10]);
  let pages = 0;
  await kept.walk('2025-01-01', 2, async () => {
    // Between the pages: a reminder dated before the cutoff, its first answer (1) before the ids already walked.
    if (++pages === 1) reminder('JR-1', 1, '2024-12-31');
    return true;
  });
  expect(kept.has(10)).toBe(false);
  update();
  expect([10, 20, 50].map((b) => kept.has(b))).toEqual([true, true, true]);
  db.close();
});

it('stops between pages when told to, leaving the set unread', async () => {
  const { db, task, reminder, kept } = database();
  for (let id = 1; id <= 4; id++) {
    task(id, [id * 10]);
    reminder(`JR-${id}`, id, '2024-06-01');
  }
  expect(await kept.walk('2025-01-01', 2, async () => false)).toBe(false);
  expect(kept.has(10)).toBe(false);
  db.close();
});
