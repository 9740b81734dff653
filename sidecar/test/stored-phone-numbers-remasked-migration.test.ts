/**
 * Schema 19: a workstation already at schema 18 stored 3103 reasons with the phone forms the masking learned since
 * (Tel. 138…, 电话 : 138 1234 5678, 电话 0571 8765 4321) in clear, as 18's masking did not take them. The new build
 * masks them when it first opens the records, wherever the reason was copied, off the disk, keeps the schema-18 copy
 * for a roll-back, and leaves a clinical reason whole (times and readings split by spaces too). A real sidecar on loopback over a real SQLite file
 * written at schema 18; the rule and item are real national ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME, openDatabase, SCHEMA_VERSION, schemaBackupFile } from '../src/store/database';
import type { TaskView } from '../src/store/tasks';
import { nationalItems } from './fixtures/his-requests';
import { recordsOnDisk, storedReasonsDataDir } from './helpers/stored-reasons-data-dir';
import { testServer } from './helpers/test-server';

/** The schema whose phone masking missed the newer forms. */
const SCHEMA_18 = 18;
/** Each a form schema 18's masking kept in clear. */
const NUMBERS = ['13812345678', '138 1234 5678', '0571 8765 4321'];
const CALLED = '已联系家属 Tel. 13812345678，电话 : 138 1234 5678，科室电话 0571 8765 4321 会诊同意';
const MASKED = '已联系家属 Tel. [redacted]，电话 : [redacted]，科室电话 [redacted] 会诊同意';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const holdsANumber = (dir: string) => NUMBERS.some((n) => recordsOnDisk(dir).includes(Buffer.from(n)));

/** A data dir as a schema-18 build left it, its reasons holding the newer phone forms in clear. */
function schema18DataDir(): { dir: string; clinical: string } {
  // Times split by spaces as an area code and a local number would be (0730 1130 1730), kept.
  const clinical = `${nationalItems().maleOnly[0]!.code} 每次0.5g，每日3次，剂量 150 1000 2000 单位，给药时间 0730 1130 1730，2026-11-29复查`;
  const dir = storedReasonsDataDir({
    schema: SCHEMA_18,
    tag: '18',
    tasks: [
      {
        taskId: 'T-18',
        bodies: [
          { jrId: 'JR-18-1', fields: { dspo_way: '1', dspo_way_rea: CALLED, prior_dspo: true } },
          { jrId: 'JR-18-2' },
        ],
      },
    ],
    decisions: [
      { jrId: 'JR-18-1', reason: CALLED },
      { jrId: 'JR-18-2', reason: clinical },
    ],
  });
  return { dir, clinical };
}

describe('schema 19 (phone forms schema 18 left in clear masked in the stored reasons)', () => {
  it('masks them in the decision, the result body and the outbox entry, off the disk; a clinical reason stays', async () => {
    const { dir, clinical } = schema18DataDir();
    dataDir = dir;
    expect(holdsANumber(dir)).toBe(true);

    const server = await testServer({ dataDir: dir, platform: { url: 'http://127.0.0.1:9/' } });
    try {
      await server.listen();
      const db = server.db;
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(holdsANumber(dir)).toBe(false);
      // The roll-back copy is of the file as schema 18 left it.
      expect(fs.existsSync(schemaBackupFile(path.join(dir, DATABASE_FILE_NAME), SCHEMA_18))).toBe(true);
      expect(db.prepare('SELECT jr_id, dspo_way_rea FROM dispositions ORDER BY jr_id').raw().all()).toEqual([
        ['JR-18-1', MASKED],
        ['JR-18-2', clinical],
      ]);
      const body = JSON.parse(db.prepare('SELECT json FROM result_bodies WHERE id = 1').pluck().get() as string);
      expect(body).toMatchObject({ jr_id: 'JR-18-1', dspo_way_rea: MASKED, prior_dspo: true });
      const payloads = (db.prepare('SELECT payload FROM outbox ORDER BY id').pluck().all() as string[]).map(
        (p) => JSON.parse(p) as { dspo_way_rea: string },
      );
      expect(payloads.map((p) => p.dspo_way_rea)).toEqual([MASKED, clinical]);

      const { port } = server.app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/tasks/T-18`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as TaskView).dispositions['JR-18-1']?.dspo_way_rea).toBe(MASKED);
    } finally {
      await server.close();
    }
    expect(holdsANumber(dir)).toBe(false);
    expect(recordsOnDisk(dir).includes(Buffer.from(clinical))).toBe(true);

    // Opened again: nothing left to migrate, nothing changes (the masking of masked reasons is the same text).
    const again = openDatabase(dir);
    try {
      expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(again.prepare("SELECT dspo_way_rea FROM dispositions WHERE jr_id = 'JR-18-1'").pluck().get()).toBe(MASKED);
    } finally {
      again.close();
    }
  });

  it('is one transaction: stopped in the middle, the file stays at schema 18 as it was, and the next start runs it', () => {
    const { dir } = schema18DataDir();
    dataDir = dir;
    // A trigger refusing the outbox's rewrite stops the migration after it rewrote the decisions and result bodies,
    // in the same transaction (the outbox is rewritten last): as a kill at that point would. (An entry the masking
    // cannot read no longer stops it: unreadable-stored-json-migration.test.ts.)
    const raw = new Database(path.join(dir, DATABASE_FILE_NAME));
    raw.exec("CREATE TRIGGER stop_here BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'stopped here'); END");
    raw.close();
    expect(() => openDatabase(dir)).toThrow('stopped here');
    const after = new Database(path.join(dir, DATABASE_FILE_NAME), { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_18);
      expect(after.prepare("SELECT dspo_way_rea FROM dispositions WHERE jr_id = 'JR-18-1'").pluck().get()).toBe(CALLED);
      expect(after.prepare('SELECT json FROM result_bodies WHERE id = 1').pluck().get()).toContain(CALLED);
    } finally {
      after.close();
    }
    const fix = new Database(path.join(dir, DATABASE_FILE_NAME));
    fix.exec('DROP TRIGGER stop_here');
    fix.close();
    const db = openDatabase(dir);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.prepare("SELECT dspo_way_rea FROM dispositions WHERE jr_id = 'JR-18-1'").pluck().get()).toBe(MASKED);
    } finally {
      db.close();
    }
  });
});
