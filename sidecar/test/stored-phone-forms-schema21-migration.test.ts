/**
 * Schema 21: a workstation already at schema 20 (the build of 283145a) stored 3103 reasons with forms its masking kept
 * in clear and today's masks: a local number split by a second hyphen after a cue word, a bracketed area code split
 * after one, a +86 landline, and a mobile or +86/0086 number joined by a hyphen to digits that are no phone. The new
 * build masks them when it first opens the records, wherever the reason was copied, off the disk, and leaves a
 * clinical reason whole. A real sidecar on loopback over a real SQLite file written at schema 20; the rule and item
 * are real national ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME, SCHEMA_VERSION, schemaBackupFile } from '../src/store/database';
import { nationalItems } from './fixtures/his-requests';
import { recordsOnDisk, storedReasonsDataDir } from './helpers/stored-reasons-data-dir';
import { testServer } from './helpers/test-server';

const SCHEMA_20 = 20;
/** Each a form schema 20's masking (283145a) kept in clear. */
const NUMBERS = ['0571-8765-4321', '(010)6234-5678', '+86-10-62345678', '13812345678', '0086-21-52345678'];
const CALLED =
  '电话：0571-8765-4321 未接，科室电话(010)6234-5678，总机 +86-10-62345678，家属13812345678-2026-11-29复诊，' +
  '家属 13912345678-0086-21-52345678';
const MASKED =
  '电话：[redacted] 未接，科室电话[redacted]，总机 [redacted]，家属[redacted]-2026-11-29复诊，家属 [redacted]-[redacted]';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const holdsANumber = (dir: string) => NUMBERS.some((n) => recordsOnDisk(dir).includes(Buffer.from(n)));

describe('schema 21 (phone forms schema 20 left in clear masked in the stored reasons)', () => {
  it('masks them in the decision, the result body and the outbox entry, off the disk; a clinical reason stays', async () => {
    const clinical = `${nationalItems().maleOnly[0]!.code} 给药时间 0730 1130 1730，剂量 150 1000 2000 单位，给药 0830—1130`;
    const storedReasons = { 'JR-20-1': CALLED, 'JR-20-2': clinical };
    const dir = storedReasonsDataDir({
      schema: SCHEMA_20,
      tag: '20',
      tasks: [
        {
          taskId: 'T-20',
          bodies: Object.entries(storedReasons).map(([jrId, reason]) => ({
            jrId,
            fields: { dspo_way: '1', dspo_way_rea: reason, prior_dspo: true },
          })),
        },
      ],
      decisions: Object.entries(storedReasons).map(([jrId, reason]) => ({ jrId, reason })),
    });
    dataDir = dir;
    expect(holdsANumber(dir)).toBe(true);

    const server = await testServer({ dataDir: dir, platform: { url: 'http://127.0.0.1:9/' } });
    try {
      await server.listen();
      const records = server.db;
      expect(records.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(21);
      expect(fs.existsSync(schemaBackupFile(path.join(dir, DATABASE_FILE_NAME), SCHEMA_20))).toBe(true);
      expect(records.prepare('SELECT jr_id, dspo_way_rea FROM dispositions ORDER BY jr_id').raw().all()).toEqual([
        ['JR-20-1', MASKED],
        ['JR-20-2', clinical],
      ]);
      const reasons = (sql: string) =>
        (records.prepare(sql).pluck().all() as string[]).map(
          (j) => (JSON.parse(j) as { dspo_way_rea: string }).dspo_way_rea,
        );
      expect(reasons('SELECT json FROM result_bodies ORDER BY id')).toEqual([MASKED, clinical]);
      expect(reasons('SELECT payload FROM outbox ORDER BY id')).toEqual([MASKED, clinical]);
      const { port } = server.app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/tasks/T-20`);
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
    expect(holdsANumber(dir)).toBe(false);
    expect(recordsOnDisk(dir).includes(Buffer.from(clinical))).toBe(true);
  });
});
