/**
 * Schema 16: department and doctor codes an older build stored padded (` A0801 `, `D0801 ` from a fixed-width HIS
 * column) are trimmed when the new build first opens the records, so that /v1/stats finds them with dept=/doctor= and
 * counts them with the same code stored unpadded. A real sidecar on loopback over an old-schema SQLite file; the rule
 * is a real national one (GZ10000301004000 药品区分性别使用).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { PatientPseudonymizer, SECRET_FILE_NAME } from '../src/patient-pseudonym';
import type { SidecarServer } from '../src/server';
import type { StatsReport } from '../src/stats/compliance-figures';
import { addDays, shanghaiDay } from '../src/stats/days';
import { openFiguresReader } from '../src/stats/figures-reader';
import { DATABASE_FILE_NAME, MIGRATIONS, SCHEMA_VERSION, schemaBackupFile } from '../src/store/database';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { registerStaffCodeTrimming } from '../src/store/stored-staff-codes';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { tempDataDir, testServer } from './helpers/test-server';

const RULE = 'GZ10000301004000';
const RULE_NAME = '药品区分性别使用';
const TODAY = shanghaiDay(Date.now());
const DAY = addDays(TODAY, -3);
const PRUNED_DAY = addDays(TODAY, -20);
/** The schema before the code trimming (not SCHEMA_VERSION - 1 once later migrations come). */
const BEFORE = MIGRATIONS.findIndex((m) => m.includes('trimmed_staff_code'));
/** A day's figures queued for the platform before the upgrade: sent as queued. */
const QUEUED_FIGURES = JSON.stringify({
  install_id: 'install',
  day: PRUNED_DAY,
  by_dept: [{ key: ' A0801 ', label: '内科', reminders: 3 }],
});

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** A data dir as the schema before left it, with codes stored padded and unpadded. */
function previousVersionDataDir(): string {
  const dir = tempDataDir();
  // The secret the old version keyed its records by (a start refuses records without theirs).
  fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
  const db = oldSchemaDatabase(dir, BEFORE, { wal: true });
  const at = Date.parse(`${DAY}T02:00:00Z`);
  const task = db.prepare(
    `INSERT INTO tasks (id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
     VALUES (?, ?, '3101', '1', ?, 10, 'v-old', ?, '[]')`,
  );
  const reminder = db.prepare(
    `INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
       amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
     VALUES (?, ?, ?, ?, '3101', ?, ?, '', 2, 'reason', 30, ?, 'pk-old', ?, '内科', ?, '赵医生', 'local')`,
  );
  const pruned = db.prepare(`INSERT INTO pruned_figures VALUES (?, ?, ?, ?, ?, '内科', '赵医生', ?, ?, ?, ?, 0, ?)`);
  db.transaction(() => {
    task.run(1, 'T-OLD-1', at, JSON.stringify([['MZ-OLD-1', 'pk-old', ' A0801 ', 'D0801 ', '11']]));
    task.run(2, 'T-OLD-2', at, JSON.stringify([['MZ-OLD-2', 'pk-old', 'A0801', 'D0801', '11']]));
    // A tab and a full-width space are trimmed on arrival too (String.prototype.trim).
    task.run(3, 'T-OLD-3', at, JSON.stringify([['MZ-OLD-3', 'pk-old', '\tA0801', 'D0801\u3000', '11']]));
    reminder.run('JR-OLD-1', 1, DAY, at, RULE, RULE_NAME, 'MZ-OLD-1', ' A0801 ', 'D0801 ');
    reminder.run('JR-OLD-2', 2, DAY, at, RULE, RULE_NAME, 'MZ-OLD-2', 'A0801', 'D0801');
    reminder.run('JR-OLD-3', 3, DAY, at, RULE, RULE_NAME, 'MZ-OLD-3', '\tA0801', 'D0801\u3000');
    db.prepare(
      `INSERT INTO dispositions (jr_id, dspo_way, dspo_way_rea, warn_type, at, revision, decider_code, decider_name)
       VALUES ('JR-OLD-3', '2', '', '1', ?, 1, ' D0802 ', '钱医生')`,
    ).run(at + 60_000);
    // A pruned day whose padded and unpadded rows are one department and doctor once trimmed, and one only padded.
    pruned.run(PRUNED_DAY, RULE, ' A0801 ', 'D0801 ', RULE_NAME, 3, 90, 1, 30, 2);
    pruned.run(PRUNED_DAY, RULE, 'A0801', 'D0801', RULE_NAME, 2, 60, 1, 30, 1);
    pruned.run(PRUNED_DAY, RULE, 'A0809 ', ' D0809', RULE_NAME, 1, 30, 0, 0, 1);
    db.prepare(
      `INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, 'daily_figures', ?, ?, ?)`,
    ).run(`figures:install:${PRUNED_DAY}`, QUEUED_FIGURES, at, at);
  })();
  db.close();
  return dir;
}

async function stats(server: SidecarServer, query: string): Promise<StatsReport> {
  const { port } = server.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats?from=${PRUNED_DAY}&to=${TODAY}&${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as StatsReport;
}

const reminders = (report: StatsReport) => Object.fromEntries(report.rows.map((r) => [r.key, r.reminders]));

describe('schema 16 (department and doctor codes stored padded by older builds)', () => {
  it('trims them in reminders, tasks, decisions and pruned figures: one department and doctor in /v1/stats', async () => {
    dataDir = previousVersionDataDir();
    const server = await testServer({ dataDir, platform: { url: 'http://127.0.0.1:9/' } });
    try {
      await server.listen();
      const db = server.db;
      // The by-department view: one A0801 line (2 kept + 1 tab-padded kept + 5 pruned), no ' A0801 ' beside it.
      expect(reminders(await stats(server, 'by=dept'))).toEqual({ A0801: 8, A0809: 1 });
      expect(reminders(await stats(server, 'by=dept&dept=A0801'))).toEqual({ A0801: 8 });
      // JR-OLD-3 is counted under its decider, D0802; the pruned rows keep the doctor they were folded under.
      expect(reminders(await stats(server, 'by=doctor'))).toEqual({ D0801: 7, D0802: 1, D0809: 1 });
      expect(reminders(await stats(server, 'by=doctor&doctor=D0801'))).toEqual({ D0801: 7 });
      expect(reminders(await stats(server, 'by=doctor&doctor=D0802'))).toEqual({ D0802: 1 });
      // The figures were read on the figures thread, which the daily figures are computed on too.
      const { port } = server.app.server.address() as { port: number };
      const status = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as {
        records: { schema: number };
        storage: { figures: string };
      };
      expect(status.records.schema).toBe(SCHEMA_VERSION);
      expect(status.storage.figures).toBe('worker');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // The file as it was before, for a roll-back (prealert.sqlite.schema<N>.bak).
      expect(fs.existsSync(schemaBackupFile(path.join(dataDir, DATABASE_FILE_NAME), BEFORE))).toBe(true);

      expect(db.prepare('SELECT DISTINCT dept_code || doctor_code FROM reminders').pluck().all()).toEqual([
        'A0801D0801',
      ]);
      expect(db.prepare('SELECT encounters FROM tasks ORDER BY id').pluck().all()).toEqual([
        '[["MZ-OLD-1","pk-old","A0801","D0801","11"]]',
        '[["MZ-OLD-2","pk-old","A0801","D0801","11"]]',
        '[["MZ-OLD-3","pk-old","A0801","D0801","11"]]',
      ]);
      expect(db.prepare('SELECT decider_code FROM dispositions').pluck().all()).toEqual(['D0802']);
      expect(
        db
          .prepare(
            `SELECT dept_code, doctor_code, reminders, reminder_amount, complied, complied_amount, pending
             FROM pruned_figures ORDER BY dept_code`,
          )
          .all(),
      ).toEqual([
        {
          dept_code: 'A0801',
          doctor_code: 'D0801',
          reminders: 5,
          reminder_amount: 150,
          complied: 2,
          complied_amount: 60,
          pending: 3,
        },
        {
          dept_code: 'A0809',
          doctor_code: 'D0809',
          reminders: 1,
          reminder_amount: 30,
          complied: 0,
          complied_amount: 0,
          pending: 1,
        },
      ]);
      // The daily figures for the platform, on the figures thread: the old day's rows as one department.
      const reader = openFiguresReader(db, createLogger({ level: 'silent' }));
      try {
        const installId = new PatientPseudonymizer(Buffer.alloc(32)).installId;
        const outbox = new OutboxStore(db, OUTBOX_KINDS);
        expect(await queueDailyFigures(reader, db, outbox, { installId })).toEqual([DAY]);
        const sent = JSON.parse(
          db.prepare("SELECT payload FROM outbox WHERE json_extract(payload, '$.day') = ?").pluck().get(DAY) as string,
        ) as { by_dept: { key: string; reminders: number }[]; by_doctor: { key: string; reminders: number }[] };
        expect(sent.by_dept.map((r) => [r.key, r.reminders])).toEqual([['A0801', 3]]);
        expect(sent.by_doctor.map((r) => [r.key, r.reminders])).toEqual([
          ['D0801', 2],
          ['D0802', 1],
        ]);
      } finally {
        await reader.close();
      }
      // Queued for the platform before the upgrade: sent as queued.
      expect(db.prepare("SELECT payload FROM outbox WHERE kind = 'daily_figures'").pluck().all()).toContain(
        QUEUED_FIGURES,
      );
    } finally {
      await server.close();
    }
  });

  it('changes nothing when run again', async () => {
    dataDir = previousVersionDataDir();
    const server = await testServer({ dataDir });
    await server.close();
    const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
    try {
      const before = db.prepare('SELECT * FROM pruned_figures ORDER BY dept_code').all();
      const changes = (sql: string) => {
        const start = db.prepare('SELECT total_changes()').pluck().get() as number;
        db.transaction(() => db.exec(sql))();
        return (db.prepare('SELECT total_changes()').pluck().get() as number) - start;
      };
      // The functions as migrate registers them.
      registerStaffCodeTrimming(db);
      expect(changes(MIGRATIONS[BEFORE]!)).toBe(0);
      expect(db.prepare('SELECT * FROM pruned_figures ORDER BY dept_code').all()).toEqual(before);
    } finally {
      db.close();
    }
  });
});
