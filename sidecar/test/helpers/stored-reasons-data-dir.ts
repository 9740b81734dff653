import fs from 'node:fs';
import path from 'node:path';
import { SECRET_FILE_NAME } from '../../src/patient-pseudonym';
import { DATABASE_FILE_NAME } from '../../src/store/database';
import { nationalItems, SEX_RULE_DRUG } from '../fixtures/his-requests';
import { oldSchemaDatabase } from './old-schema-database';
import { tempDataDir } from './test-server';

/** The day the stored reminders were shown on, and the moment of the first task. */
export const STORED_DAY = '2026-11-20';
export const STORED_AT = Date.parse(`${STORED_DAY}T02:00:00Z`);
const RULE_NAME = '药品区分性别使用';

/** A result body a task answered with: its own fields (a reason, prior_dspo…) after the reminder's. */
export interface StoredBody {
  jrId: string;
  fields?: Record<string, unknown>;
}

/** A 3103 decision as the dispositions table kept it (dspo_way 1). */
export interface StoredDecision {
  jrId: string;
  reason: string;
  /** 1 unless given. */
  revision?: number;
  /** A minute after STORED_AT unless given. */
  at?: number;
}

export interface StoredOutboxEntry {
  id: string;
  kind: string;
  payload: string;
  /** Absent: still queued. */
  deliveredAt?: number | null;
}

export interface StoredReasons {
  /** The schema the records were written at, before the migration under test. */
  schema: number;
  /** Names the stored rows: `DR-<tag>`, `pk-<tag>` and `v-<tag>` (lower case), `MZ-<tag>` unless `encounter`. */
  tag: string;
  encounter?: string;
  /** In order; the result bodies are numbered across them from 1, each a reminder of the rule on STORED_DAY. */
  tasks: { taskId: string; at?: number; bodies: StoredBody[] }[];
  /** Fields every result body carries between the reminder's and its own (an answer's vola_cont, sev_deg…). */
  bodyFields?: Record<string, unknown>;
  decisions?: StoredDecision[];
  /** Absent: one queued entry per decision, as the build queued it for the platform (decisionPayload). */
  outbox?: StoredOutboxEntry[];
}

/** The payload a build queued for the platform for a decision; `extra` for fields some builds added. */
export function decisionPayload(
  jrId: string,
  reason: string,
  revision = 1,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    install_id: 'install',
    warn_rslt_id: jrId,
    dspo_way: '1',
    dspo_way_rea: reason,
    revision,
    ...extra,
  });
}

/**
 * A data dir as a build at `records.schema` left it: its secret, and in the records (WAL mode) the tasks, result
 * bodies, reminders, decisions and outbox entries of reminders of the real national rule SEX_RULE_DRUG about the first
 * male-only national item, the 3103 reasons stored as that build stored them. The migration tests that mask stored
 * reasons start a sidecar on it.
 */
export function storedReasonsDataDir(records: StoredReasons): string {
  const dir = tempDataDir();
  // The secret the old build keyed its records by (a start refuses records without theirs).
  fs.writeFileSync(path.join(dir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
  const item = nationalItems().maleOnly[0]!;
  const lower = records.tag.toLowerCase();
  const encounter = records.encounter ?? `MZ-${records.tag}`;
  const doctor = `DR-${records.tag}`;
  const patient = `pk-${lower}`;
  const decisions = records.decisions ?? [];
  const outbox =
    records.outbox ??
    decisions.map(
      (d): StoredOutboxEntry => ({
        id: `disposition:install:${d.jrId}:r${d.revision ?? 1}`,
        kind: 'disposition',
        payload: decisionPayload(d.jrId, d.reason, d.revision ?? 1),
      }),
    );
  const db = oldSchemaDatabase(dir, records.schema, { wal: true });
  try {
    db.transaction(() => {
      const task = db.prepare(
        `INSERT INTO tasks (id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
         VALUES (?, ?, '3101', '1', ?, 10, ?, ?, ?)`,
      );
      const body = db.prepare('INSERT INTO result_bodies VALUES (?, ?, ?)');
      const encounters = JSON.stringify([[encounter, patient, '0301', doctor, '11']]);
      const reminded = new Set<string>();
      let bodyId = 0;
      records.tasks.forEach((t, i) => {
        const results: [string, string, number, number, number][] = [];
        for (const b of t.bodies) {
          bodyId += 1;
          results.push([b.jrId, 'R', 2, 12, bodyId]);
          reminded.add(b.jrId);
          const json = {
            jr_id: b.jrId,
            rule_id: SEX_RULE_DRUG,
            rule_name: RULE_NAME,
            ...records.bodyFields,
            mdtrt_id: encounter,
            task_id: '',
            ...b.fields,
          };
          body.run(bodyId, b.jrId, JSON.stringify(json));
        }
        task.run(i + 1, t.taskId, t.at ?? STORED_AT, `v-${lower}`, encounters, JSON.stringify(results));
      });
      const reminder = db.prepare(
        `INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
           amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
         VALUES (?, 1, ?, ?, '3101', ?, ?, ?, 2, 'reason', 12, ?, ?, '0301', '心内科', ?, '李医生', 'local')`,
      );
      for (const jrId of reminded) {
        reminder.run(jrId, STORED_DAY, STORED_AT, SEX_RULE_DRUG, RULE_NAME, item.kpId, encounter, patient, doctor);
      }
      const decide = db.prepare(`INSERT INTO dispositions (jr_id, dspo_way, dspo_way_rea, warn_type, at, revision)
         VALUES (?, '1', ?, '1', ?, ?)`);
      for (const d of decisions) decide.run(d.jrId, d.reason, d.at ?? STORED_AT + 60_000, d.revision ?? 1);
      const queue = db.prepare(
        'INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const e of outbox) queue.run(e.id, e.kind, e.payload, STORED_AT, STORED_AT, e.deliveredAt ?? null);
    })();
  } finally {
    db.close();
  }
  return dir;
}

/**
 * The records database and its WAL as bytes on disk: what a masking migration must have taken the numbers out of (not
 * the schema<N>.bak copy made before it, which keeps them by design).
 */
export function recordsOnDisk(dir: string): Buffer {
  const file = path.join(dir, DATABASE_FILE_NAME);
  return Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}
