/**
 * Schema 7, 18 and 19 parse the JSON of the result bodies and outbox entries to mask ID and phone numbers in them. A
 * row that is not JSON (cut short by a full disk, damaged, edited by hand) used to stop the migration with a bare
 * SyntaxError, and with it the sidecar: no reminders at all over one row. It is now kept, masked over its text, and
 * the start names it in the log; the good rows beside it are migrated as before. A real sidecar over a real SQLite
 * file written at each schema before one of those migrations; the rule and item are real national ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_FILE_NAME } from '../src/patient-pseudonym';
import { DATABASE_FILE_NAME, SCHEMA_VERSION } from '../src/store/database';
import { ID_NUMBER, nationalItems, SEX_RULE_DRUG } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { tempDataDir, testServer } from './helpers/test-server';

const DAY = '2026-11-20';
const RULE_NAME = '药品区分性别使用';
const MOBILE = '13812345678';
/** A reason as stored at `schema`: in clear before 7, its ID number masked on arrival from 7 on. */
const reasonAt = (schema: number) => `已联系家属（${schema < 7 ? ID_NUMBER : '[redacted]'}）电话 ${MOBILE} 同意用药`;
const MASKED_REASON = '已联系家属（[redacted]）电话 [redacted] 同意用药';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** What a full disk leaves of a JSON text: its first part, cut in the middle of a value. */
const cutShort = (json: string) => json.slice(0, json.indexOf(MOBILE) + MOBILE.length);

/** A data dir at `schema`, one good and one cut-short row each in result_bodies and outbox, all holding its reason. */
function dataDirAt(schema: number): { dir: string; badBody: string; badPayload: string } {
  const dir = tempDataDir();
  fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
  const item = nationalItems().maleOnly[0]!;
  const db = oldSchemaDatabase(dir, schema, { wal: true });
  const at = Date.parse(`${DAY}T02:00:00Z`);
  const body = (jrId: string) =>
    JSON.stringify({
      jr_id: jrId,
      rule_id: SEX_RULE_DRUG,
      rule_name: RULE_NAME,
      mdtrt_id: 'MZ-U',
      task_id: '',
      dspo_way: '1',
      dspo_way_rea: reasonAt(schema),
      prior_dspo: true,
    });
  const decision = (jrId: string) =>
    JSON.stringify({
      install_id: 'install',
      warn_rslt_id: jrId,
      dspo_way: '1',
      dspo_way_rea: reasonAt(schema),
      revision: 1,
    });
  const badBody = cutShort(body('JR-U-2'));
  const badPayload = cutShort(decision('JR-U-2'));
  db.transaction(() => {
    db.prepare(
      `INSERT INTO tasks (id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
       VALUES (1, 'T-U', '3101', '1', ?, 10, 'v-u', '[["MZ-U","pk-u","0301","DR-U","11"]]',
         '[["JR-U-1","R",2,12,1],["JR-U-2","R",2,12,2]]')`,
    ).run(at);
    const insertBody = db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)');
    insertBody.run(1, 'JR-U-1', body('JR-U-1'));
    insertBody.run(2, 'JR-U-2', badBody);
    const reminder = db.prepare(
      `INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
         amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
       VALUES (?, 1, ?, ?, '3101', ?, ?, ?, 2, 'reason', 12, 'MZ-U', 'pk-u', '0301', '心内科', 'DR-U', '李医生', 'local')`,
    );
    for (const jrId of ['JR-U-1', 'JR-U-2']) reminder.run(jrId, DAY, at, SEX_RULE_DRUG, RULE_NAME, item.kpId);
    const outbox = db.prepare(
      `INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, 'disposition', ?, ?, ?)`,
    );
    outbox.run('disposition:install:JR-U-1:r1', decision('JR-U-1'), at, at);
    outbox.run('disposition:install:JR-U-2:r1', badPayload, at, at);
  })();
  db.close();
  return { dir, badBody, badPayload };
}

/** The schema before each migration that parses these rows: 7 (ID numbers), 18 and 19 (phone numbers). */
describe.each([6, 17, 18])('a cut-short result body and outbox entry at schema %i', (schema) => {
  it('start the sidecar: good rows migrated, the bad ones kept masked as text and named in the log', async () => {
    const { dir, badBody, badPayload } = dataDirAt(schema);
    dataDir = dir;
    const { logger, lines } = capturingLogger();
    const server = await testServer({ dataDir: dir, platform: { url: 'http://127.0.0.1:9/' } }, { logger });
    try {
      await server.listen();
      const db = server.db;
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);

      const bodies = db.prepare('SELECT id, json FROM result_bodies ORDER BY id').raw().all() as [number, string][];
      expect(bodies).toHaveLength(2);
      expect(JSON.parse(bodies[0]![1])).toMatchObject({ jr_id: 'JR-U-1', dspo_way_rea: MASKED_REASON });
      const payloads = db.prepare('SELECT id, payload FROM outbox ORDER BY id').raw().all() as [string, string][];
      expect(payloads).toHaveLength(2);
      expect(JSON.parse(payloads[0]![1])).toMatchObject({ warn_rslt_id: 'JR-U-1', dspo_way_rea: MASKED_REASON });

      // Kept, cut as it was, with what each masking that ran over it recognises masked in its text.
      const keptBody = bodies[1]![1];
      const keptPayload = payloads[1]![1];
      for (const [kept, before] of [
        [keptBody, badBody],
        [keptPayload, badPayload],
      ] as const) {
        expect(kept).not.toContain(MOBILE);
        expect(kept).toContain('[redacted]');
        expect(kept.startsWith(before.slice(0, before.indexOf('已联系家属')))).toBe(true);
        expect(kept).not.toContain(ID_NUMBER);
      }

      const named = lines
        .filter((line) => line.level === 40 && typeof line.table === 'string')
        .map((line) => [line.table, line.row_id]);
      expect(named).toEqual([
        ['result_bodies', 2],
        ['outbox', 'disposition:install:JR-U-2:r1'],
      ]);
      const message = String(lines.find((line) => line.table === 'outbox')?.msg);
      expect(message).toContain('outbox row disposition:install:JR-U-2:r1');
      expect(message).not.toContain(MOBILE);
    } finally {
      await server.close();
    }
    expect(fs.readFileSync(path.join(dir, DATABASE_FILE_NAME)).includes(Buffer.from(MOBILE))).toBe(false);
  });
});
