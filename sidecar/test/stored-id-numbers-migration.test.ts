/**
 * Schema 7: what a version before the masking on arrival stored in clear (a 3103 reason, a gateway's result texts and
 * rule name, the outbox entries carrying them) is masked when the new version first opens the records, on disk too.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_FILE_NAME } from '../src/patient-pseudonym';
import { DATABASE_FILE_NAME, SCHEMA_VERSION } from '../src/store/database';
import { FiguresWithPrunedDays } from '../src/store/pruned-figures';
import type { TaskView } from '../src/store/tasks';
import { ID_NUMBER, OTHER_ID_NUMBER } from './fixtures/his-requests';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { tempDataDir, testServer } from './helpers/test-server';

const ID = ID_NUMBER;
const OTHER_ID = OTHER_ID_NUMBER;
const DAY = '2026-11-20';
const PRUNED_DAY = '2026-11-02';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** Both files SQLite keeps the records in, as bytes on disk. */
function onDisk(dir: string): Buffer[] {
  const file = path.join(dir, DATABASE_FILE_NAME);
  return [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
}
const holdsAnId = (dir: string) =>
  onDisk(dir).some((bytes) => bytes.includes(Buffer.from(ID)) || bytes.includes(Buffer.from(OTHER_ID)));

/** A data dir as schema 6 left it, with what that version stored in clear. */
function previousVersionDataDir(): string {
  const dir = tempDataDir();
  // The secret the old version keyed its records by (a start refuses records without theirs).
  fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
  const db = oldSchemaDatabase(dir, 6, { wal: true });
  const body = {
    jr_id: 'GW-OLD-1',
    rule_id: 'R01',
    rule_name: `配伍禁忌-${OTHER_ID}`,
    vola_cont: `患者王某某（身份证号${ID}）处方中存在配伍禁忌的药品。`,
    patn_id: 'pk-old',
    mdtrt_id: 'MZ-OLD-1',
    judge_result_detail_dtos: [{ jrd_id: 'd1', rx_id: 'MZ-OLD-1-003', hilist_name: `A药 ${OTHER_ID}`, vola_amt: 12 }],
    vola_amt: 12,
    sev_deg: '2',
    vola_evid: `依据：身份证 ${ID} 既往史`,
    task_id: '',
  };
  const at = Date.parse(`${DAY}T02:00:00Z`);
  const insertReminder = db.prepare(
    `INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
       amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
     VALUES (?, 1, ?, ?, '3101', ?, ?, '', 2, 'reason', ?, 'MZ-OLD-1', 'pk-old', '0301', '心内科', 'DR-OLD', '李医生', ?)`,
  );
  db.transaction(() => {
    db.prepare(
      `INSERT INTO tasks VALUES (1, 'T-OLD-1', '3101', '1', ?, 10, 'v-old', '[["MZ-OLD-1","pk-old","0301","DR-OLD","11"]]',
        '[["GW-OLD-1","R01",2,12,1],["JR-OLD-2","R02",1,30,2]]')`,
    ).run(at);
    db.prepare('INSERT INTO result_bodies VALUES (1, ?, ?), (2, ?, ?)').run(
      'GW-OLD-1',
      JSON.stringify(body),
      'JR-OLD-2',
      JSON.stringify({
        ...body,
        jr_id: 'JR-OLD-2',
        rule_id: 'R02',
        rule_name: '重复用药',
        vola_cont: '重复用药',
        vola_evid: '',
      }),
    );
    insertReminder.run('GW-OLD-1', DAY, at, 'R01', body.rule_name, 12, 'upstream');
    insertReminder.run('JR-OLD-2', DAY, at, 'R02', '重复用药', 30, 'local');
    const reason = `患者张三丰（${ID}）坚持用药`;
    db.prepare(`INSERT INTO dispositions VALUES ('GW-OLD-1', '1', ?, '1', ?, 1)`).run(reason, at + 60_000);
    db.prepare(
      `INSERT INTO pruned_figures VALUES (?, 'R01', '0301', 'DR-OLD', ?, '心内科', '李医生', 3, 36, 1, 12, 2, 0)`,
    ).run(PRUNED_DAY, `配伍禁忌-${OTHER_ID}`);
    const outbox = db.prepare(
      'INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
    );
    outbox.run(
      'disposition:install:GW-OLD-1:r1',
      'disposition',
      JSON.stringify({
        install_id: 'install',
        warn_rslt_id: 'GW-OLD-1',
        dspo_way: '1',
        dspo_way_rea: reason,
        revision: 1,
        rule_id: 'R01',
        rule_name: body.rule_name,
        doctor_code: 'DR-OLD',
      }),
      at,
      at,
    );
    outbox.run(
      'feedback-1',
      'upstream_feedback',
      JSON.stringify({
        header: { infno: '3103' },
        data: { warn_type: '1', warns: [{ warn_rslt_id: 'GW-OLD-1', dspo_way: '1', dspo_way_rea: reason }] },
      }),
      at,
      at,
    );
    outbox.run(
      `figures:install:${DAY}`,
      'daily_figures',
      JSON.stringify({
        install_id: 'install',
        day: DAY,
        by_rule: [{ key: 'R01', label: body.rule_name, reminders: 1 }],
      }),
      at,
      at,
    );
  })();
  db.close();
  return dir;
}

/** The figures a report gives, rule names (labels) as they are stored. */
function figures(dir: string) {
  const db = new Database(path.join(dir, DATABASE_FILE_NAME), { readonly: true });
  try {
    const f = new FiguresWithPrunedDays(db);
    return { byRule: f.report(PRUNED_DAY, DAY, 'rule'), byDay: f.report(PRUNED_DAY, DAY, 'day') };
  } finally {
    db.close();
  }
}

describe('schema 7 (ID numbers masked in what older versions stored)', () => {
  it('masks reasons, result texts, rule names and outbox entries, off the disk, figures unchanged', async () => {
    dataDir = previousVersionDataDir();
    expect(holdsAnId(dataDir)).toBe(true);
    const before = figures(dataDir);

    // Both destinations configured (nothing listens there): the entries queued for them stay to be masked.
    const server = await testServer({
      dataDir,
      platform: { url: 'http://127.0.0.1:9/' },
      upstream: { url: 'http://127.0.0.1:9/' },
    });
    try {
      const db = server.db;
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // Right after opening, before the sidecar has written anything or closed: the migration's pages are in the file.
      expect(holdsAnId(dataDir)).toBe(false);

      expect(db.prepare('SELECT dspo_way_rea FROM dispositions').pluck().all()).toEqual([
        '患者张三丰（[redacted]）坚持用药',
      ]);
      expect(db.prepare('SELECT rule_name FROM reminders ORDER BY jr_id').pluck().all()).toEqual([
        '配伍禁忌-[redacted]',
        '重复用药',
      ]);
      expect(db.prepare('SELECT rule_name FROM pruned_figures').pluck().all()).toEqual(['配伍禁忌-[redacted]']);
      const payloads = db.prepare('SELECT kind, payload FROM outbox ORDER BY kind').all() as {
        kind: string;
        payload: string;
      }[];
      expect(payloads.map((p) => p.kind)).toEqual(['daily_figures', 'disposition', 'upstream_feedback']);
      const [figuresEntry, disposition, feedback] = payloads.map((p) => JSON.parse(p.payload));
      expect(disposition).toMatchObject({
        warn_rslt_id: 'GW-OLD-1',
        dspo_way_rea: '患者张三丰（[redacted]）坚持用药',
        rule_name: '配伍禁忌-[redacted]',
        doctor_code: 'DR-OLD',
      });
      expect(feedback.data.warns[0].dspo_way_rea).toBe('患者张三丰（[redacted]）坚持用药');
      expect(figuresEntry.by_rule[0]).toEqual({ key: 'R01', label: '配伍禁忌-[redacted]', reminders: 1 });

      const task = await server.app.inject({ url: '/v1/tasks/T-OLD-1' });
      expect(task.statusCode).toBe(200);
      const view = JSON.parse(task.payload) as TaskView;
      expect(view.results[0]).toMatchObject({
        jr_id: 'GW-OLD-1',
        vola_cont: '患者王某某（身份证号[redacted]）处方中存在配伍禁忌的药品。',
        vola_evid: '依据：身份证 [redacted] 既往史',
        mdtrt_id: 'MZ-OLD-1',
      });
      expect(view.results[0]!.judge_result_detail_dtos![0]).toMatchObject({
        rx_id: 'MZ-OLD-1-003',
        hilist_name: 'A药 [redacted]',
      });
      expect(view.dispositions['GW-OLD-1']?.dspo_way_rea).toBe('患者张三丰（[redacted]）坚持用药');

      // The figures count as before; only the rule's name is masked.
      const stats = await server.app.inject({ url: `/v1/stats?by=rule&from=${PRUNED_DAY}&to=${DAY}` });
      const masked = (report: typeof before.byRule) => ({
        ...report,
        rows: report.rows.map((r) => ({ ...r, label: r.label.replace(OTHER_ID, '[redacted]') })),
      });
      expect(JSON.parse(stats.payload)).toEqual(masked(before.byRule));
      expect(before.byRule.totals).toMatchObject({ reminders: 5, continued: 3, complied: 1, pending: 1 });
    } finally {
      await server.close();
    }
    expect(figures(dataDir).byDay).toEqual(before.byDay);
    expect(holdsAnId(dataDir)).toBe(false);
  });
});
