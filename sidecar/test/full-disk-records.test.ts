/**
 * The records database on a disk that fills up (a real tmpfs, as the ops review ran it): a 3103 on a reminder whose
 * 3101 records are held in memory is answered "try again", not "unknown jr_id"; the failure shows in /readyz and
 * /v1/status and is logged once, without a stack, and its end once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callService, testServer } from './helpers/test-server';
import { fillDisk, smallDisk } from './sync-support';

/** What these tests read of /v1/status and /readyz. */
interface Reply {
  status?: string;
  reason?: string;
  counts: { records_pending: number };
  storage: { records_error: { since: string } | null };
}

async function json(server: SidecarServer, url: string): Promise<{ status: number; body: Reply }> {
  const reply = await server.app.inject({ url });
  return { status: reply.statusCode, body: JSON.parse(reply.payload) as Reply };
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('records on a disk that fills up', () => {
  it('answers a 3103 on a held reminder "retry", says so in /readyz and /v1/status, and logs it once', async (ctx) => {
    const disk = smallDisk(32 * 1024 * 1024);
    if (!disk) return ctx.skip();
    cleanups.push(disk.release);
    const { logger, lines } = capturingLogger('info');
    const dataDir = path.join(disk.dir, 'data');
    const server = await testServer({ dataDir }, { logger });
    cleanups.push(() => server.close());

    // The WAL emptied, so the next commit must take new blocks of the disk: none are left.
    server.db.pragma('wal_checkpoint(TRUNCATE)');
    const filler = fillDisk(disk.dir);
    const answered = await callService(server, analysisEnvelope({ encounterId: 'ZY-FULL-1' }));
    expect(answered.body.infcode).toBe(0);
    const jrId = answered.body.output.result![0]!.jr_id;
    const failing = await waitFor('records held', async () => {
      const status = (await json(server, '/v1/status')).body;
      return status.storage.records_error === null ? undefined : status;
    });
    expect(failing.counts.records_pending).toBeGreaterThan(0);
    expect(failing.storage.records_error).toMatchObject({
      code: 'SQLITE_FULL',
      cause: `the disk holding ${dataDir} is full (SQLITE_FULL)`,
      failures: expect.any(Number),
      held: expect.any(Number),
    });
    expect(Date.parse(failing.storage.records_error!.since)).toBeGreaterThan(Date.now() - 60_000);

    const metrics = async () => (await server.app.inject({ url: '/metrics' })).payload;
    expect(await metrics()).toMatch(/^prealert_records_write_failing 1$/m);

    // The doctor's decision on the reminder just answered: kept and sent again by the SDK, the widget and the shim.
    const decided = await callService(server, feedbackEnvelope([{ jrId, way: '2' }]));
    expect(decided.body.infcode).toBe(-1);
    expect(decided.body.err_msg).toBe('prealert 内部错误，请稍后重试 (RecordsNotWritten)');
    expect((decided.body as unknown as Record<string, unknown>).prealert_retry).toBe(true);

    const ready = await json(server, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.reason).toMatch(/^记录无法写入：磁盘已满 \(SQLITE_FULL\)，\d+ 条 3101\/3102 记录暂存内存 \(/);
    expect(ready.body.reason).toContain(dataDir);

    // The held records are tried again every second: the log says so once, not once a second with a stack.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const about = (text: RegExp) => lines.filter((l) => text.test(String(l.msg)));
    const refused = about(/records (still )?cannot be written|records failed/);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 40, code: 'SQLITE_FULL' });
    expect(JSON.stringify(refused[0])).not.toContain('stack');
    expect(String(refused[0]!.msg)).toContain(`the disk holding ${dataDir} is full`);

    fs.rmSync(filler);
    await waitFor('records written again', async () => {
      const status = (await json(server, '/v1/status')).body;
      return status.counts.records_pending === 0 && status.storage.records_error === null ? status : undefined;
    });
    expect(about(/records are written again/)).toHaveLength(1);
    expect(await metrics()).toMatch(/^prealert_records_write_failing 0$/m);
    expect((await json(server, '/readyz')).body).toMatchObject({ status: 'ready' });

    // Sent again, as the client does: stored.
    const again = await callService(server, feedbackEnvelope([{ jrId, way: '2' }]));
    expect(again.body.infcode).toBe(0);
    expect(server.db.prepare('SELECT dspo_way FROM dispositions WHERE jr_id = ?').get(jrId)).toEqual({ dspo_way: '2' });
  }, 60_000);

  it('still calls a jr_id no 3101 answered unknown while no records are held', async (ctx) => {
    const disk = smallDisk(32 * 1024 * 1024);
    if (!disk) return ctx.skip();
    cleanups.push(disk.release);
    const server = await testServer({ dataDir: path.join(disk.dir, 'data') });
    cleanups.push(() => server.close());
    const unknown = await callService(server, feedbackEnvelope([{ jrId: 'JR-NEVER-ANSWERED', way: '2' }]));
    expect(unknown.body.err_msg).toMatch(/未知的提醒结果ID "JR-NEVER-ANSWERED"/);
    expect((unknown.body as unknown as Record<string, unknown>).prealert_retry).toBeUndefined();
  }, 60_000);
});
