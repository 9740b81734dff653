/**
 * The bodies retention keeps for the kept first answers from before the window, read once a pass (kept-first-bodies.ts)
 * rather than walked every batch: the set follows the kept answers as they join and leave during the pass, as a walk
 * each batch would. A real SQLite file; the statements are retention's shape over a reduced schema.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { KeptFirstBodies } from '../src/store/kept-first-bodies';

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
  const kept = new KeptFirstBodies(all, of);
  const update = () => kept.update(new Set(keptTasks.all('2025-01-01')), '2025-01-01');
  return { db, task, reminder, kept, update };
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
