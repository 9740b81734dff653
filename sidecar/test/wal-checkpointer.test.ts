import fs from 'node:fs';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/database';
import { startWalCheckpointer } from '../src/store/wal-checkpointer';
import { until } from './helpers/until';
import { tempDir } from './sync-support';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function database() {
  const dir = tempDir('wal');
  dirs.push(dir);
  const db = openDatabase(dir);
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
  const body = 'x'.repeat(3000);
  // One commit per row, each at least one WAL page: what SQLite would checkpoint inside a commit every 1,000.
  const write = (rows: number) => {
    for (let i = 0; i < rows; i++) insert.run(body);
  };
  return { db, write, walBytes: () => fs.statSync(`${db.name}-wal`).size };
}

describe('WAL checkpoints off the request thread', () => {
  it('turns SQLite’s own checkpoint off and keeps the WAL small from a worker', async () => {
    const { db, write, walBytes } = database();
    const checkpointer = await startWalCheckpointer(db, logger, { intervalMs: 25 });
    try {
      expect(checkpointer.where).toBe('worker');
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      // 3,000 commits of ~4 KB pages: 12 MB of WAL if nothing copied it back, and no commit here does.
      for (let round = 0; round < 30; round++) {
        write(100);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      await until(() => checkpointer.runs >= 5);
      expect(walBytes()).toBeLessThan(6 * 1024 * 1024);
      expect(db.prepare('SELECT COUNT(*) FROM filler').pluck().get()).toBe(3000);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('leaves the WAL empty when it closes, and the rows readable by the next start', async () => {
    const { db, write, walBytes } = database();
    const checkpointer = await startWalCheckpointer(db, logger, { intervalMs: 60_000 });
    write(200);
    expect(walBytes()).toBeGreaterThan(200 * 3000);
    await checkpointer.close();
    expect(walBytes()).toBe(0);
    const file = db.name;
    db.close();
    const again = openDatabase(file.slice(0, file.lastIndexOf('/')));
    expect(again.prepare('SELECT COUNT(*) FROM filler').pluck().get()).toBe(200);
    again.close();
  });

  it('cuts the WAL to nothing on request while running, on its thread or inline, rows kept', async () => {
    for (const useWorker of [true, false]) {
      const { db, write, walBytes } = database();
      const checkpointer = await startWalCheckpointer(db, logger, { intervalMs: 60_000, useWorker });
      try {
        expect(checkpointer.where).toBe(useWorker ? 'worker' : 'inline');
        write(50);
        expect(walBytes()).toBeGreaterThan(50 * 3000);
        expect(await checkpointer.truncate()).toBe(true);
        expect(walBytes()).toBe(0);
        write(1);
        expect(db.prepare('SELECT COUNT(*) FROM filler').pluck().get()).toBe(51);
      } finally {
        await checkpointer.close();
        db.close();
      }
    }
  });

  it('falls back to SQLite’s own checkpoints where the worker cannot run, and when it dies', async () => {
    const { db } = database();
    db.pragma('wal_autocheckpoint = 0');
    const inline = await startWalCheckpointer(db, logger, { useWorker: false });
    expect(inline.where).toBe('inline');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);

    // A long interval: the thread is idle when it is stopped below (a thread stopped inside a SQLite call can abort
    // the process when the call returns).
    const checkpointer = await startWalCheckpointer(db, logger, { intervalMs: 60_000 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    // The worker's thread ends without being asked (as if it crashed).
    const worker = (checkpointer as unknown as { worker: { terminate(): Promise<number> } }).worker;
    await worker.terminate();
    await until(() => db.pragma('wal_autocheckpoint', { simple: true }) === 1000);
    await checkpointer.close();
    db.close();
  });
});
