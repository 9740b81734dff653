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
import { DATABASE_FILE_NAME, MIGRATIONS, SCHEMA_VERSION, schemaBackupFile } from '../src/store/database';
import type { TaskView } from '../src/store/tasks';
import { nationalItems, SEX_RULE_DRUG } from './fixtures/his-requests';
import {
  decisionPayload,
  recordsOnDisk,
  STORED_AT,
  STORED_DAY,
  storedReasonsDataDir,
} from './helpers/stored-reasons-data-dir';
import { testServer } from './helpers/test-server';

/** The schema before the phone-number masking (not SCHEMA_VERSION - 1 once later migrations come). */
const BEFORE = MIGRATIONS.findIndex((m) => m.includes('mask_phone_numbers'));
const MOBILE = '13812345678';
const LANDLINE = '0571-87654321';
/** An encounter id of 11 digits starting 13: the shape of a mobile number, but data, kept. */
const ENCOUNTER = '13900112233';
const RULE_NAME = '药品区分性别使用';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const holds = (dir: string, text: string) => recordsOnDisk(dir).includes(Buffer.from(text));
const holdsAPhone = (dir: string) => holds(dir, MOBILE) || holds(dir, '87654321');

/** A data dir as the schema before left it, with reasons quoting phone numbers stored in clear. */
function previousVersionDataDir(): { dir: string; called: string; clinical: string } {
  const item = nationalItems().maleOnly[0]!;
  const called = `已电话联系家属${MOBILE}确认，科室${LANDLINE}会诊同意`;
  // Numbers a doctor writes about the treatment: doses (one shaped 3-4-4 like a spaced mobile), a date, a day written
  // as 8 digits, the item's code.
  const clinical = `${item.code} 每次0.5g，每日3次，剂量 150 1000 2000 单位，2026-11-29复查，20261129 起停用`;
  const decision = (jrId: string, reason: string, revision: number) =>
    decisionPayload(jrId, reason, revision, { rule_id: SEX_RULE_DRUG, rule_name: RULE_NAME, doctor_code: 'DR-OLD' });
  const dir = storedReasonsDataDir({
    schema: BEFORE,
    tag: 'OLD',
    encounter: ENCOUNTER,
    bodyFields: {
      vola_cont: `${item.name}限男性使用`,
      patn_id: 'pk-old',
      judge_result_detail_dtos: [{ jrd_id: 'd1', rx_id: `${ENCOUNTER}-001`, hilist_code: item.code, vola_amt: 12 }],
      vola_amt: 12,
      sev_deg: '2',
    },
    tasks: [
      { taskId: 'T-OLD-1', bodies: [{ jrId: 'JR-PH-1' }, { jrId: 'JR-PH-2' }] },
      // The next day's answer: JR-PH-1 came back as already decided (prior_dspo), with its reason, and, as builds that
      // still kept it recorded, JR-PH-3 with the earlier visit's reason it was offered.
      {
        taskId: 'T-OLD-2',
        at: STORED_AT + 86_400_000,
        bodies: [
          { jrId: 'JR-PH-1', fields: { dspo_way: '1', dspo_way_rea: called, prior_dspo: true } },
          { jrId: 'JR-PH-3', fields: { prior_visit_rea: called, prior_visit_date: STORED_DAY } },
        ],
      },
    ],
    decisions: [
      { jrId: 'JR-PH-1', reason: called, revision: 2, at: STORED_AT + 120_000 },
      { jrId: 'JR-PH-2', reason: clinical },
    ],
    // Not yet delivered: a re-send would forward the numbers. Delivered: its bytes are in the file all the same.
    outbox: [
      {
        id: 'disposition:install:JR-PH-1:r1',
        kind: 'disposition',
        payload: decision('JR-PH-1', called, 1),
        deliveredAt: STORED_AT,
      },
      { id: 'disposition:install:JR-PH-1:r2', kind: 'disposition', payload: decision('JR-PH-1', called, 2) },
      {
        id: 'disposition:install:JR-PH-2:r1',
        kind: 'disposition',
        payload: decision('JR-PH-2', clinical, 1),
        deliveredAt: STORED_AT,
      },
      {
        id: 'feedback-1',
        kind: 'upstream_feedback',
        payload: JSON.stringify({
          header: { infno: '3103' },
          data: {
            warn_type: '1',
            warns: [
              { warn_rslt_id: 'JR-PH-1', dspo_way: '1', dspo_way_rea: called },
              { warn_rslt_id: 'JR-PH-2', dspo_way: '1', dspo_way_rea: clinical },
            ],
          },
        }),
      },
    ],
  });
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
