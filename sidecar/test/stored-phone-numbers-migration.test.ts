/**
 * Schema 18: the phone numbers an earlier build stored in clear in a 3103 reason (before the masking on arrival) are
 * masked when the new build first opens the records, wherever the reason was copied (the decision, a result body
 * answered as already decided, the outbox entries carrying it), on disk too, and only in reasons: an 11-digit
 * encounter id, codes and amounts stay. A real sidecar on loopback over an old-schema SQLite file; the rule, point and
 * item are real national ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_FILE_NAME } from '../src/patient-pseudonym';
import { DATABASE_FILE_NAME, MIGRATIONS, SCHEMA_VERSION, schemaBackupFile } from '../src/store/database';
import type { TaskView } from '../src/store/tasks';
import { nationalItems, SEX_RULE_DRUG } from './fixtures/his-requests';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { tempDataDir, testServer } from './helpers/test-server';

/** The schema before the phone-number masking (not SCHEMA_VERSION - 1 once later migrations come). */
const BEFORE = MIGRATIONS.findIndex((m) => m.includes('mask_phone_numbers'));
const MOBILE = '13812345678';
const LANDLINE = '0571-87654321';
/** An encounter id of 11 digits starting 13: the shape of a mobile number, but data, kept. */
const ENCOUNTER = '13900112233';
const DAY = '2026-11-20';
const RULE_NAME = '药品区分性别使用';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** Both files SQLite keeps the records in, as bytes on disk. */
function onDisk(dir: string): Buffer {
  const file = path.join(dir, DATABASE_FILE_NAME);
  return Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}
const holds = (dir: string, text: string) => onDisk(dir).includes(Buffer.from(text));
const holdsAPhone = (dir: string) => holds(dir, MOBILE) || holds(dir, '87654321');

/** A data dir as the schema before left it, with reasons quoting phone numbers stored in clear. */
function previousVersionDataDir(): { dir: string; called: string; clinical: string } {
  const dir = tempDataDir();
  // The secret the old version keyed its records by (a start refuses records without theirs).
  fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
  const item = nationalItems().maleOnly[0]!;
  const called = `已电话联系家属${MOBILE}确认，科室${LANDLINE}会诊同意`;
  // Numbers a doctor writes about the treatment: doses (one shaped 3-4-4 like a spaced mobile), a date, a day written
  // as 8 digits, the item's code.
  const clinical = `${item.code} 每次0.5g，每日3次，剂量 150 1000 2000 单位，2026-11-29复查，20261129 起停用`;
  const db = oldSchemaDatabase(dir, BEFORE, { wal: true });
  const at = Date.parse(`${DAY}T02:00:00Z`);
  const body = (jrId: string, extra: Record<string, unknown>) =>
    JSON.stringify({
      jr_id: jrId,
      rule_id: SEX_RULE_DRUG,
      rule_name: RULE_NAME,
      vola_cont: `${item.name}限男性使用`,
      patn_id: 'pk-old',
      mdtrt_id: ENCOUNTER,
      judge_result_detail_dtos: [{ jrd_id: 'd1', rx_id: `${ENCOUNTER}-001`, hilist_code: item.code, vola_amt: 12 }],
      vola_amt: 12,
      sev_deg: '2',
      task_id: '',
      ...extra,
    });
  db.transaction(() => {
    const task = db.prepare(
      `INSERT INTO tasks (id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
       VALUES (?, ?, '3101', '1', ?, 10, 'v-old', ?, ?)`,
    );
    const encounters = JSON.stringify([[ENCOUNTER, 'pk-old', '0301', 'DR-OLD', '11']]);
    task.run(1, 'T-OLD-1', at, encounters, '[["JR-PH-1","R",2,12,1],["JR-PH-2","R",2,12,2]]');
    // The next day's answer: JR-PH-1 came back as already decided (prior_dspo), with its reason, and, as builds that
    // still kept it recorded, JR-PH-3 with the earlier visit's reason it was offered.
    task.run(2, 'T-OLD-2', at + 86_400_000, encounters, '[["JR-PH-1","R",2,12,3],["JR-PH-3","R",2,12,4]]');
    db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)').run(1, 'JR-PH-1', body('JR-PH-1', {}));
    db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)').run(2, 'JR-PH-2', body('JR-PH-2', {}));
    db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)').run(
      3,
      'JR-PH-1',
      body('JR-PH-1', { dspo_way: '1', dspo_way_rea: called, prior_dspo: true }),
    );
    db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)').run(
      4,
      'JR-PH-3',
      body('JR-PH-3', { prior_visit_rea: called, prior_visit_date: DAY }),
    );
    const reminder = db.prepare(
      `INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
         amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
       VALUES (?, 1, ?, ?, '3101', ?, ?, ?, 2, 'reason', 12, ?, 'pk-old', '0301', '心内科', 'DR-OLD', '李医生', 'local')`,
    );
    for (const jrId of ['JR-PH-1', 'JR-PH-2', 'JR-PH-3']) {
      reminder.run(jrId, DAY, at, SEX_RULE_DRUG, RULE_NAME, item.kpId, ENCOUNTER);
    }
    const decide = db.prepare(`INSERT INTO dispositions (jr_id, dspo_way, dspo_way_rea, warn_type, at, revision)
       VALUES (?, '1', ?, '1', ?, ?)`);
    decide.run('JR-PH-1', called, at + 120_000, 2);
    decide.run('JR-PH-2', clinical, at + 60_000, 1);
    const outbox = db.prepare(
      'INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const decision = (jrId: string, reason: string, revision: number) =>
      JSON.stringify({
        install_id: 'install',
        warn_rslt_id: jrId,
        dspo_way: '1',
        dspo_way_rea: reason,
        revision,
        rule_id: SEX_RULE_DRUG,
        rule_name: RULE_NAME,
        doctor_code: 'DR-OLD',
      });
    // Not yet delivered: a re-send would forward the numbers. Delivered: its bytes are in the file all the same.
    outbox.run('disposition:install:JR-PH-1:r1', 'disposition', decision('JR-PH-1', called, 1), at, at, at);
    outbox.run('disposition:install:JR-PH-1:r2', 'disposition', decision('JR-PH-1', called, 2), at, at, null);
    outbox.run('disposition:install:JR-PH-2:r1', 'disposition', decision('JR-PH-2', clinical, 1), at, at, at);
    outbox.run(
      'feedback-1',
      'upstream_feedback',
      JSON.stringify({
        header: { infno: '3103' },
        data: {
          warn_type: '1',
          warns: [
            { warn_rslt_id: 'JR-PH-1', dspo_way: '1', dspo_way_rea: called },
            { warn_rslt_id: 'JR-PH-2', dspo_way: '1', dspo_way_rea: clinical },
          ],
        },
      }),
      at,
      at,
      null,
    );
  })();
  db.close();
  return { dir, called, clinical };
}

describe('schema 18 (phone numbers masked in the reasons earlier builds stored)', () => {
  it('masks them in decisions, result bodies and outbox entries, off the disk; other numbers stay', async () => {
    const { dir, called, clinical } = previousVersionDataDir();
    dataDir = dir;
    expect(holdsAPhone(dir)).toBe(true);
    const masked = called.replace(MOBILE, '[redacted]').replace(LANDLINE, '[redacted]');
    expect(masked).toBe('已电话联系家属[redacted]确认，科室[redacted]会诊同意');

    // Both destinations configured (nothing listens there): the entries queued for them stay to be masked.
    const server = await testServer({
      dataDir: dir,
      platform: { url: 'http://127.0.0.1:9/' },
      upstream: { url: 'http://127.0.0.1:9/' },
    });
    try {
      await server.listen();
      const db = server.db;
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // Right after opening, before the sidecar has written anything or closed: the migration's pages are in the file.
      expect(holdsAPhone(dir)).toBe(false);
      // The roll-back copy is of the file as it was (before this migration).
      expect(fs.existsSync(schemaBackupFile(path.join(dir, DATABASE_FILE_NAME), BEFORE))).toBe(true);
      // What is not a reason is kept: the 11-digit encounter id, the item's code, the clinical reason whole.
      expect(holds(dir, ENCOUNTER)).toBe(true);
      expect(holds(dir, clinical)).toBe(true);

      expect(db.prepare('SELECT jr_id, dspo_way_rea FROM dispositions ORDER BY jr_id').raw().all()).toEqual([
        ['JR-PH-1', masked],
        ['JR-PH-2', clinical],
      ]);
      const bodies = (db.prepare('SELECT json FROM result_bodies ORDER BY id').pluck().all() as string[]).map(
        (json) => JSON.parse(json) as Record<string, unknown>,
      );
      expect(bodies[2]).toMatchObject({
        jr_id: 'JR-PH-1',
        mdtrt_id: ENCOUNTER,
        dspo_way_rea: masked,
        prior_dspo: true,
      });
      expect(bodies[3]).toMatchObject({ jr_id: 'JR-PH-3', mdtrt_id: ENCOUNTER, prior_visit_rea: masked });
      expect(bodies[0]).not.toHaveProperty('dspo_way_rea');

      const payloads = db.prepare('SELECT id, payload FROM outbox ORDER BY id').all() as {
        id: string;
        payload: string;
      }[];
      const [delivered, first, second, feedback] = payloads.map((p) => JSON.parse(p.payload));
      expect(payloads.map((p) => p.id)).toEqual([
        'disposition:install:JR-PH-1:r1',
        'disposition:install:JR-PH-1:r2',
        'disposition:install:JR-PH-2:r1',
        'feedback-1',
      ]);
      expect(delivered).toMatchObject({ revision: 1, dspo_way_rea: masked });
      expect(first).toMatchObject({ warn_rslt_id: 'JR-PH-1', dspo_way_rea: masked, rule_id: SEX_RULE_DRUG });
      expect(second.dspo_way_rea).toBe(clinical);
      expect(feedback.data.warns.map((w: { dspo_way_rea: string }) => w.dspo_way_rea)).toEqual([masked, clinical]);

      // The task view over loopback shows the decisions as now stored.
      const { port } = server.app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/tasks/T-OLD-2`);
      expect(response.status).toBe(200);
      const view = (await response.json()) as TaskView;
      expect(view.dispositions['JR-PH-1']?.dspo_way_rea).toBe(masked);
      expect(JSON.stringify(view)).not.toContain(MOBILE);
    } finally {
      await server.close();
    }
    expect(holdsAPhone(dir)).toBe(false);
    expect(holds(dir, clinical)).toBe(true);
  });
});
