import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { DATABASE_FILE_NAME, SCHEMA_VERSION, schemaBackupFile } from '../../src/store/database';
import { nationalItems } from '../fixtures/his-requests';
import { recordsOnDisk, storedReasonsDataDir } from './stored-reasons-data-dir';
import { testServer } from './test-server';

export interface StoredPhoneForms {
  /** The schema the records were written at; the migration under test is the one after it. */
  schema: number;
  /** Each a phone form that schema's masking kept in clear, as it stands in `called`. */
  numbers: string[];
  /** A 3103 reason holding every one of `numbers`. */
  called: string;
  /** `called` as the migration must leave it. */
  masked: string;
}

/**
 * Stores `called` and a clinical reason (national item code, times and doses that are no phone) at `forms.schema` as
 * that build stored them (decision, result body, outbox entry), starts a real sidecar on the records and checks the
 * migration masked the numbers everywhere, off the disk, and left the clinical reason whole. The data dir is removed
 * afterwards, whether the checks passed or not.
 */
export async function expectStoredPhoneFormsMasked(forms: StoredPhoneForms): Promise<void> {
  const { schema, numbers, called, masked } = forms;
  const holdsANumber = (dir: string) => numbers.some((n) => recordsOnDisk(dir).includes(Buffer.from(n)));
  const clinical = `${nationalItems().maleOnly[0]!.code} 给药时间 0730 1130 1730，剂量 150 1000 2000 单位，给药 0830—1130`;
  const first = `JR-${schema}-1`;
  const second = `JR-${schema}-2`;
  const storedReasons = { [first]: called, [second]: clinical };
  const dir = storedReasonsDataDir({
    schema,
    tag: String(schema),
    tasks: [
      {
        taskId: `T-${schema}`,
        bodies: Object.entries(storedReasons).map(([jrId, reason]) => ({
          jrId,
          fields: { dspo_way: '1', dspo_way_rea: reason, prior_dspo: true },
        })),
      },
    ],
    decisions: Object.entries(storedReasons).map(([jrId, reason]) => ({ jrId, reason })),
  });
  try {
    expect(holdsANumber(dir)).toBe(true);

    const server = await testServer({ dataDir: dir, platform: { url: 'http://127.0.0.1:9/' } });
    try {
      await server.listen();
      const records = server.db;
      expect(records.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(schema + 1);
      expect(fs.existsSync(schemaBackupFile(path.join(dir, DATABASE_FILE_NAME), schema))).toBe(true);
      expect(records.prepare('SELECT jr_id, dspo_way_rea FROM dispositions ORDER BY jr_id').raw().all()).toEqual([
        [first, masked],
        [second, clinical],
      ]);
      const reasons = (sql: string) =>
        (records.prepare(sql).pluck().all() as string[]).map(
          (j) => (JSON.parse(j) as { dspo_way_rea: string }).dspo_way_rea,
        );
      expect(reasons('SELECT json FROM result_bodies ORDER BY id')).toEqual([masked, clinical]);
      expect(reasons('SELECT payload FROM outbox ORDER BY id')).toEqual([masked, clinical]);
      const { port } = server.app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/tasks/T-${schema}`);
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
    expect(holdsANumber(dir)).toBe(false);
    expect(recordsOnDisk(dir).includes(Buffer.from(clinical))).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
