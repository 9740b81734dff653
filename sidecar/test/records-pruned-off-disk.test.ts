import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { analysisEnvelope } from './fixtures/his-requests';
import { callService, testServer } from './helpers/test-server';
import { ageRecords, feedback } from './retention-support';

let server: (SidecarServer & { dataDir: string }) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function analyse(s: SidecarServer, encounterId: string): Promise<string[]> {
  const reply = await callService(s, analysisEnvelope({ encounterId, taskId: `T-${encounterId}` }));
  expect(reply.body.infcode).toBe(0);
  return reply.body.output.result!.map((r) => r.jr_id);
}

/** Both files SQLite keeps the records in, as bytes on disk. */
function onDisk(dataDir: string): Buffer[] {
  const file = path.join(dataDir, DATABASE_FILE_NAME);
  return [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
}

describe('records retention on disk', () => {
  it('leaves no pruned reason readable in the database file or its WAL', async () => {
    server = await testServer({ records: { retentionDays: 400 } });
    const s = server;
    // Distinctive, so that any copy of it in either file is found; in UTF-8, as SQLite stores it.
    const marker = Buffer.from('患者欧阳锋本人要求PRUNED-REASON-9f27', 'utf8');
    // Enough decisions that whole pages of dispositions and outbox rows are freed, not only cells within a page.
    const encounters = 40;
    for (let i = 0; i < encounters; i++) {
      const [jrId] = await analyse(s, `MZ-GONE-${i}`);
      expect(await feedback(s, [{ jrId: jrId!, way: '1', reason: `${marker.toString('utf8')}-${i}` }])).toBe(0);
    }
    // The platform received them then: delivered entries go with their reminders.
    s.db.prepare('UPDATE outbox SET delivered_at = created_at').run();
    await s.app.inject({ url: '/v1/stats' }); // everything queued is written
    ageRecords(s.db, 500);
    // Today's answer: the records are measured against it (retention.ts cutoff).
    await analyse(s, 'MZ-TODAY');
    await s.app.inject({ url: '/v1/stats' });
    expect(onDisk(s.dataDir).some((bytes) => bytes.includes(marker))).toBe(true);

    const report = await s.retention.prune();
    expect(report).toMatchObject({ dispositions: encounters, outbox: encounters });

    const left = onDisk(s.dataDir).map((bytes) => bytes.includes(marker));
    expect(left).toEqual(left.map(() => false));
  });
});
