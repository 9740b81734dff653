/**
 * Figures by doctor count a decided reminder under the doctor who made its latest decision, as the 3103's envelope
 * names him (经办人 opter/opter_name), not under the doctor whose order first raised it (review-browser F4): a doctor
 * who takes a patient over answers for what he decides. A 3103 naming nobody leaves the reminder with its raising
 * doctor, as before. A real sidecar listening on loopback with its real SQLite file; the warning is a real national
 * one (a male-only drug for a woman, 区分性别使用).
 */

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { PatientPseudonymizer, SECRET_FILE_NAME } from '../src/patient-pseudonym';
import type { SidecarServer } from '../src/server';
import { ComplianceFigures, type StatsReport } from '../src/stats/compliance-figures';
import { shanghaiDay } from '../src/stats/days';
import { openFiguresReader } from '../src/stats/figures-reader';
import { DATABASE_FILE_NAME, MIGRATIONS, SCHEMA_VERSION } from '../src/store/database';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { feedbackEnvelope } from './fixtures/his-requests';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { raiseOneReminder } from './helpers/one-reminder';
import { callOverHttp, type NationalReply, tempDataDir, testServer } from './helpers/test-server';
import { ageRecords } from './retention-support';

const ZHAO = { code: 'D0201', name: '赵医生' };
const QIAN = { code: 'D0202', name: '钱医生' };
const NOBODY = { code: '', name: '' };

type Row = StatsReport['rows'][number];

/** One reminder raised by `doctor`'s order in `encounterId` (its jr_id the encounter's). */
const analyse = raiseOneReminder;

async function decide(s: SidecarServer, jrId: string, way: '1' | '2', decider: typeof ZHAO): Promise<NationalReply> {
  // A moment after the answer before: decisions and answers are ordered by when they came.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const reason = way === '1' ? '临床必需' : '';
  return (await callOverHttp(s, feedbackEnvelope([{ jrId, way, reason }], '1', decider))).body;
}

async function byDoctor(s: SidecarServer, query = ''): Promise<StatsReport> {
  const { port } = s.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats?by=doctor${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as StatsReport;
}

/** key → [label, reminders, complied, continued, pending, compliance_rate] */
function table(rows: readonly Row[]): Record<string, unknown[]> {
  return Object.fromEntries(
    rows.map((r) => [r.key, [r.label, r.reminders, r.complied, r.continued, r.pending, r.compliance_rate]]),
  );
}

let server: SidecarServer & { dataDir: string };
beforeAll(async () => {
  server = await testServer({ records: { retentionDays: 400 } });
  await server.listen();
});
afterAll(async () => {
  await server?.close();
});

describe('a reminder another doctor decides (the reviewer three steps)', () => {
  it('is counted under the doctor who made the latest decision, in /v1/stats, the CSV and the daily figures', async () => {
    // 1. 赵医生 raises a warning on MZ-DR-001 and continues it.
    const first = await analyse(server, 'MZ-DR-001', ZHAO);
    expect((await decide(server, first.jr_id, '1', ZHAO)).infcode).toBe(0);
    expect(table((await byDoctor(server)).rows)).toEqual({ D0201: ['赵医生', 1, 0, 1, 0, 0] });
    // 2. 钱医生 raises one on MZ-DR-002 and returns to modify.
    const second = await analyse(server, 'MZ-DR-002', QIAN);
    expect((await decide(server, second.jr_id, '2', QIAN)).infcode).toBe(0);
    // 3. 钱医生 takes MZ-DR-001 over: the same warning comes back decided, and he changes it to 返回修改.
    const again = await analyse(server, 'MZ-DR-001', QIAN);
    expect(again.jr_id).toBe(first.jr_id);
    expect(again.prior_dspo).toBe(true);
    expect((await decide(server, first.jr_id, '2', QIAN)).infcode).toBe(0);

    // Both decisions are 钱医生's: 赵医生 decided nothing that stands, and is not credited with 钱医生's 返回修改.
    const report = await byDoctor(server);
    expect(table(report.rows)).toEqual({ D0202: ['钱医生', 2, 2, 0, 0, 1] });
    expect(report.totals).toMatchObject({ reminders: 2, complied: 2, compliance_rate: 1 });
    expect((await byDoctor(server, '&doctor=D0201')).totals).toMatchObject({ reminders: 0, complied: 0 });
    expect((await byDoctor(server, '&doctor=D0202')).totals).toMatchObject({ reminders: 2, complied: 2 });
    const { port } = server.app.server.address() as { port: number };
    const csv = await (await fetch(`http://127.0.0.1:${port}/v1/stats.csv?by=doctor`)).text();
    expect(csv).toContain('钱医生,2,');
    expect(csv).not.toContain('赵医生');
    expect(
      server.db.prepare('SELECT decider_code, decider_name FROM dispositions WHERE jr_id = ?').get(first.jr_id),
    ).toEqual({ decider_code: 'D0202', decider_name: '钱医生' });

    // The platform's daily figures by doctor read it the same way.
    const reader = openFiguresReader(server.db, createLogger({ level: 'silent' }));
    try {
      const installId = new PatientPseudonymizer(Buffer.alloc(32)).installId;
      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      await queueDailyFigures(reader, server.db, outbox, { installId }, Date.now() + 86_400_000);
      const sent = JSON.parse(
        server.db
          .prepare(
            "SELECT payload FROM outbox WHERE kind = 'daily_figures' ORDER BY json_extract(payload, '$.revision') DESC LIMIT 1",
          )
          .pluck()
          .get() as string,
      ) as { by_doctor: Row[] };
      expect(table(sent.by_doctor)).toEqual({ D0202: ['钱医生', 2, 2, 0, 0, 1] });
    } finally {
      await reader.close();
    }
  });

  it('a doctor who takes over and continues does not lower the colleague who raised it', async () => {
    const raised = await analyse(server, 'MZ-DR-101', { code: 'D0301', name: '孙医生' });
    expect((await decide(server, raised.jr_id, '1', { code: 'D0302', name: '李医生' })).infcode).toBe(0);
    const rows = table((await byDoctor(server, '&doctor=D0301')).rows);
    expect(rows).toEqual({});
    expect(table((await byDoctor(server, '&doctor=D0302')).rows)).toEqual({ D0302: ['李医生', 1, 0, 1, 0, 0] });
  });
});

describe('a 3103 that names no 经办人', () => {
  it('leaves the reminder with the doctor whose order raised it, also after a named doctor decided it', async () => {
    const raised = await analyse(server, 'MZ-DR-201', { code: 'D0401', name: '周医生' });
    expect((await decide(server, raised.jr_id, '2', NOBODY)).infcode).toBe(0);
    expect(
      server.db.prepare('SELECT decider_code, decider_name FROM dispositions WHERE jr_id = ?').get(raised.jr_id),
    ).toEqual({ decider_code: null, decider_name: null });
    expect(table((await byDoctor(server, '&doctor=D0401')).rows)).toEqual({ D0401: ['周医生', 1, 1, 0, 0, 1] });
    // A named doctor continues it; then the decision changes without a name: the latest decision named nobody.
    expect((await decide(server, raised.jr_id, '1', { code: 'D0402', name: '吴医生' })).infcode).toBe(0);
    expect(table((await byDoctor(server, '&doctor=D0402')).rows)).toEqual({ D0402: ['吴医生', 1, 0, 1, 0, 0] });
    expect((await decide(server, raised.jr_id, '2', NOBODY)).infcode).toBe(0);
    expect(table((await byDoctor(server, '&doctor=D0402')).rows)).toEqual({});
    expect(table((await byDoctor(server, '&doctor=D0401')).rows)).toEqual({ D0401: ['周医生', 1, 1, 0, 0, 1] });
  });

  it('an opter that is not text is refused naming the field, and nothing of the 3103 is stored', async () => {
    const raised = await analyse(server, 'MZ-DR-301', { code: 'D0501', name: '郑医生' });
    const envelope = { ...feedbackEnvelope([{ jrId: raised.jr_id, way: '2' }]), opter: { code: 'D0502' } };
    const reply = (await callOverHttp(server, envelope)).body;
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toContain('opter: 类型应为 string (经办人)');
    expect(server.db.prepare('SELECT COUNT(*) FROM dispositions WHERE jr_id = ?').pluck().get(raised.jr_id)).toBe(0);
  });
});

describe('a doctor code padded by a fixed-width HIS column', () => {
  it('is one doctor whether it came padded in the 3101 (drord_dr_codg) or trimmed as the 3103 opter', async () => {
    const padded = { code: 'D0601 ', name: '冯医生' };
    const decided = await analyse(server, 'MZ-DR-401', padded);
    await analyse(server, 'MZ-DR-402', padded);
    expect((await decide(server, decided.jr_id, '2', padded)).infcode).toBe(0);
    // One row: the undecided reminder (counted under the raising doctor) and the decided one (under the decider).
    expect(table((await byDoctor(server, '&doctor=D0601')).rows)).toEqual({ D0601: ['冯医生', 2, 1, 0, 1, 0.5] });
    // Asked for padded, as it was copied from the HIS column, it is the same doctor (padded-staff-codes.test.ts).
    expect(table((await byDoctor(server, '&doctor=D0601%20')).rows)).toEqual({ D0601: ['冯医生', 2, 1, 0, 1, 0.5] });
    expect(
      server.db
        .prepare("SELECT DISTINCT doctor_code FROM reminders WHERE mdtrt_id IN ('MZ-DR-401', 'MZ-DR-402')")
        .pluck()
        .all(),
    ).toEqual(['D0601']);
  });
});

describe('retention', () => {
  it("folds a pruned reminder into pruned_figures under its latest decision's doctor", async () => {
    const s = await testServer({ records: { retentionDays: 400 } });
    try {
      await s.listen();
      const raised = await analyse(s, 'MZ-DR-OLD', ZHAO);
      expect((await decide(s, raised.jr_id, '2', QIAN)).infcode).toBe(0);
      await byDoctor(s); // everything queued is written
      ageRecords(s.db, 500);
      await analyse(s, 'MZ-DR-NEW', ZHAO);
      // The aged reminder's own day: 500 days before the clock's day only if no midnight (Shanghai) came in between.
      const oldDay = s.db.prepare('SELECT day FROM reminders WHERE jr_id = ?').pluck().get(raised.jr_id) as string;
      const range = `&from=${oldDay}&to=${oldDay}`;
      const kept = await byDoctor(s, range);
      expect(table(kept.rows)).toEqual({ D0202: ['钱医生', 1, 1, 0, 0, 1] });
      expect(await s.retention.prune()).toMatchObject({ reminders: 1, dispositions: 1 });
      expect((await byDoctor(s, range)).rows).toEqual(kept.rows);
      expect(s.db.prepare('SELECT doctor_code, doctor_name, reminders, complied FROM pruned_figures').all()).toEqual([
        { doctor_code: 'D0202', doctor_name: '钱医生', reminders: 1, complied: 1 },
      ]);
    } finally {
      await s.close();
    }
  });
});

describe('the decider columns (dispositions.decider_code, decider_name)', () => {
  it('a database from before them keeps its decisions under the reminder doctor, read-only and once migrated', async () => {
    const dir = tempDataDir();
    // The install's secret, as the sidecar that wrote the old database left it beside it.
    fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
    // The schema before the migration that added the decider columns (not SCHEMA_VERSION - 1: later ones came since).
    const old = oldSchemaDatabase(
      dir,
      MIGRATIONS.findIndex((m) => m.includes('decider_code')),
    );
    expect(old.prepare("SELECT 1 FROM pragma_table_info('dispositions') WHERE name = 'decider_code'").get()).toBe(
      undefined,
    );
    const day = shanghaiDay(Date.now());
    old.exec(`INSERT INTO tasks VALUES (1, 'T1', '3101', '2', 0, 10, 'v', '[]', '[]', NULL, NULL);
      INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
        amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
      VALUES ('JR-OLD', 1, '${day}', 0, '3101', 'GZ10000301004000', '区分性别使用', 'kp', 2, 'reason', 30, 'M',
        'pk', 'A03', '内科', 'D0201', '赵医生', 'local');
      INSERT INTO dispositions (jr_id, dspo_way, dspo_way_rea, warn_type, at, revision)
        VALUES ('JR-OLD', '2', '', '1', 1, 1);`);
    // \`prealert stats\` on a database the sidecar has not migrated yet.
    const readOnly = new Database(path.join(dir, DATABASE_FILE_NAME), { readonly: true });
    expect(table(new ComplianceFigures(readOnly).report(day, day, 'doctor').rows)).toEqual({
      D0201: ['赵医生', 1, 1, 0, 0, 1],
    });
    readOnly.close();
    old.close();

    const s = await testServer({ dataDir: dir });
    try {
      await s.listen();
      expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(s.db.prepare('SELECT decider_code, decider_name FROM dispositions').all()).toEqual([
        { decider_code: null, decider_name: null },
      ]);
      expect(table((await byDoctor(s)).rows)).toEqual({ D0201: ['赵医生', 1, 1, 0, 0, 1] });
      // A decision given on it since names its doctor.
      expect((await decide(s, 'JR-OLD', '1', QIAN)).infcode).toBe(0);
      expect(table((await byDoctor(s)).rows)).toEqual({ D0202: ['钱医生', 1, 0, 1, 0, 0] });
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
