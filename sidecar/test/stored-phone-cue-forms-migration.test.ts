/**
 * Schema 20: a workstation already at schema 19 stored 3103 reasons with the forms after a cue word that the masking
 * learned since (电话 0571-8765 4321, 联系电话（家属）138 1234 5678, 电话：0871—65432109, a tab after the cue, 手机
 * 139—8765—4321) in clear. The new build masks them when it first opens the records, wherever the reason was copied, off the disk, and
 * leaves a clinical reason whole. A real sidecar on loopback over a real SQLite file written at schema 19; the rule
 * and item are real national ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_FILE_NAME } from '../src/patient-pseudonym';
import { DATABASE_FILE_NAME, SCHEMA_VERSION, schemaBackupFile } from '../src/store/database';
import { nationalItems, SEX_RULE_DRUG } from './fixtures/his-requests';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { tempDataDir, testServer } from './helpers/test-server';

const SCHEMA_19 = 19;
const DAY = '2026-11-20';
const RULE_NAME = '药品区分性别使用';
/** Each a form schema 19's masking kept in clear. */
const NUMBERS = ['0571-8765 4321', '138 1234 5678', '0871—65432109', '0571 8765 4321', '139—8765—4321'];
const CALLED =
  '电话 0571-8765 4321 未接，联系电话（家属）138 1234 5678 同意，科室电话：0871—65432109，座机\t0571 8765 4321，' +
  '手机139—8765—4321';
const MASKED =
  '电话 [redacted] 未接，联系电话（家属）[redacted] 同意，科室电话：[redacted]，座机\t[redacted]，手机[redacted]';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** The records database and its WAL as bytes on disk (not the schema-19 copy, which keeps them by design). */
function onDisk(dir: string): Buffer {
  const file = path.join(dir, DATABASE_FILE_NAME);
  return Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}
const holdsANumber = (dir: string) => NUMBERS.some((n) => onDisk(dir).includes(Buffer.from(n)));

describe('schema 20 (phone forms after a cue word schema 19 left in clear masked in the stored reasons)', () => {
  it('masks them in the decision, the result body and the outbox entry, off the disk; a clinical reason stays', async () => {
    const dir = tempDataDir();
    dataDir = dir;
    fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
    const item = nationalItems().maleOnly[0]!;
    const clinical = `${item.code} 给药时间 0730 1130 1730，剂量 150 1000 2000 单位，给药 0830—1130`;
    const db = oldSchemaDatabase(dir, SCHEMA_19, { wal: true });
    const at = Date.parse(`${DAY}T02:00:00Z`);
    db.transaction(() => {
      db.prepare(
        `INSERT INTO tasks (id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
         VALUES (1, 'T-19', '3101', '1', ?, 10, 'v-19', '[["MZ-19","pk-19","0301","DR-19","11"]]',
           '[["JR-19-1","R",2,12,1],["JR-19-2","R",2,12,2]]')`,
      ).run(at);
      const body = (jrId: string, reason: string) =>
        JSON.stringify({
          jr_id: jrId,
          rule_id: SEX_RULE_DRUG,
          rule_name: RULE_NAME,
          mdtrt_id: 'MZ-19',
          task_id: '',
          dspo_way: '1',
          dspo_way_rea: reason,
          prior_dspo: true,
        });
      db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)').run(1, 'JR-19-1', body('JR-19-1', CALLED));
      db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)').run(2, 'JR-19-2', body('JR-19-2', clinical));
      const reminder = db.prepare(
        `INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
           amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
         VALUES (?, 1, ?, ?, '3101', ?, ?, ?, 2, 'reason', 12, 'MZ-19', 'pk-19', '0301', '心内科', 'DR-19', '李医生', 'local')`,
      );
      for (const jrId of ['JR-19-1', 'JR-19-2']) reminder.run(jrId, DAY, at, SEX_RULE_DRUG, RULE_NAME, item.kpId);
      const decide = db.prepare(`INSERT INTO dispositions (jr_id, dspo_way, dspo_way_rea, warn_type, at, revision)
         VALUES (?, '1', ?, '1', ?, 1)`);
      decide.run('JR-19-1', CALLED, at + 60_000);
      decide.run('JR-19-2', clinical, at + 60_000);
      const outbox = db.prepare(
        `INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, 'disposition', ?, ?, ?)`,
      );
      for (const [jrId, reason] of [
        ['JR-19-1', CALLED],
        ['JR-19-2', clinical],
      ] as const)
        outbox.run(
          `disposition:install:${jrId}:r1`,
          JSON.stringify({
            install_id: 'install',
            warn_rslt_id: jrId,
            dspo_way: '1',
            dspo_way_rea: reason,
            revision: 1,
          }),
          at,
          at,
        );
    })();
    db.close();
    expect(holdsANumber(dir)).toBe(true);

    const server = await testServer({ dataDir: dir, platform: { url: 'http://127.0.0.1:9/' } });
    try {
      await server.listen();
      const records = server.db;
      expect(records.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBe(20);
      expect(fs.existsSync(schemaBackupFile(path.join(dir, DATABASE_FILE_NAME), SCHEMA_19))).toBe(true);
      expect(records.prepare('SELECT jr_id, dspo_way_rea FROM dispositions ORDER BY jr_id').raw().all()).toEqual([
        ['JR-19-1', MASKED],
        ['JR-19-2', clinical],
      ]);
      const reasons = (sql: string) =>
        (records.prepare(sql).pluck().all() as string[]).map(
          (j) => (JSON.parse(j) as { dspo_way_rea: string }).dspo_way_rea,
        );
      expect(reasons('SELECT json FROM result_bodies ORDER BY id')).toEqual([MASKED, clinical]);
      expect(reasons('SELECT payload FROM outbox ORDER BY id')).toEqual([MASKED, clinical]);
      const { port } = server.app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/tasks/T-19`);
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
    expect(holdsANumber(dir)).toBe(false);
    expect(onDisk(dir).includes(Buffer.from(clinical))).toBe(true);
  });
});
