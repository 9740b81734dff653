/**
 * A result body or outbox payload that is not JSON (cut short by a full disk, damaged, edited by hand) is kept by the
 * schema migrations (unreadable-stored-json-migration.test.ts), so the code that reads those rows afterwards meets it.
 * One such row among good ones must cost that row only: the sidecar starts, the task page shows the other results,
 * the forwarder sends the entries behind it, a new decision on its reminder and a new answer for its encounter are
 * taken, and the row itself is kept, named in a warn line by table and row id without what it says. A real sidecar
 * over a real SQLite file, real answers over loopback HTTP for real national items, a platform stand-in on loopback.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { shanghaiDay } from '../src/stats/days';
import { openFiguresReader } from '../src/stats/figures-reader';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { decisionsQueuedWhileDown, loggedSidecarOn, madeForEachTest } from './helpers/sidecar-with-queued-decisions';
import { callOverHttp } from './helpers/test-server';
import { until } from './helpers/until';

const TASK_ID = 'T-MZ-UNREADABLE-1';
const ENCOUNTER = 'MZ-UNREADABLE-1';
/** In the decision on the reminder whose rows are damaged: it must not reach a log line. */
const REASON = '已联系家属同意用药';

const made = madeForEachTest();

const startSidecar = (dir: string, url: string) => loggedSidecarOn(dir, url);

/** What a full disk leaves of a JSON text: its first half. */
const cutShort = (json: string) => json.slice(0, Math.floor(json.length / 2));

describe('one unreadable result body and outbox payload among good ones', () => {
  it('costs only that row: start, task page, forwarding, decisions and answers go on; the row is kept', async () => {
    const dataDir = made.dataDir();
    const platform = await made.platform();
    // Down while the decisions are given: they stay queued, as on a workstation whose platform was unreachable.
    // One 3103 each, the damaged one first: its entry is the oldest queued, the one the forwarder meets first.
    const [damagedJrId, goodJrId] = await decisionsQueuedWhileDown(dataDir, platform, {
      encounterId: ENCOUNTER,
      taskId: TASK_ID,
      reason: REASON,
      apartMs: 5,
    });

    // The damage, as a full disk or a hand edit leaves it, to the damaged reminder's body and queued decision.
    const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
    const refs = JSON.parse(db.prepare('SELECT results FROM tasks').pluck().get() as string) as [
      string,
      ...unknown[],
    ][];
    const bodyId = refs.find((ref) => ref[0] === damagedJrId)![4] as number;
    const entryId = db
      .prepare("SELECT id FROM outbox WHERE kind = 'disposition' AND json_extract(payload, '$.warn_rslt_id') = ?")
      .pluck()
      .get(damagedJrId) as string;
    db.prepare('UPDATE result_bodies SET json = ? WHERE id = ?').run(
      cutShort(db.prepare('SELECT json FROM result_bodies WHERE id = ?').pluck().get(bodyId) as string),
      bodyId,
    );
    const damagedPayload = cutShort(
      db.prepare('SELECT payload FROM outbox WHERE id = ?').pluck().get(entryId) as string,
    );
    db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(damagedPayload, entryId);
    db.close();

    await platform.up();
    const second = await startSidecar(dataDir, platform.url);
    try {
      const { server, lines } = second;
      const task = await server.app.inject({ url: `/v1/tasks/${TASK_ID}` });
      expect(task.statusCode, task.payload).toBe(200);
      const view = task.json() as { results: { jr_id: string }[]; dispositions: Record<string, unknown> };
      expect(view.results.map((r) => r.jr_id)).toEqual([goodJrId]);
      expect(Object.keys(view.dispositions).sort()).toEqual([damagedJrId, goodJrId].sort());

      // The good decision queued behind the damaged one is sent; the damaged one is not, and stays queued.
      await until(() => platform.deliveries.some((d) => d.body.payload.warn_rslt_id === goodJrId));
      await until(() => lines.some((line) => line.table === 'outbox'));
      expect(platform.deliveries.some((d) => d.body.payload.warn_rslt_id === damagedJrId)).toBe(false);

      // A new decision on the damaged reminder, and a new answer for its encounter, are taken.
      const again = await callOverHttp(server, feedbackEnvelope([{ jrId: damagedJrId, way: '2', reason: '' }]));
      expect(again.body.infcode, again.body.err_msg).toBe(0);
      await until(() => platform.deliveries.some((d) => d.body.payload.warn_rslt_id === damagedJrId));
      const reasked = await callOverHttp(
        server,
        analysisEnvelope({ encounterId: ENCOUNTER, taskId: `${TASK_ID}-again` }),
      );
      expect(reasked.body.infcode, reasked.body.err_msg).toBe(0);

      // The damaged entry is superseded by the new decision's (by its id alone: it cannot be read), so a later repair
      // cannot send it over that one; the body is kept as it was: nothing acknowledged is lost, whatever it says.
      expect(server.db.prepare('SELECT COUNT(*) FROM outbox WHERE id = ?').pluck().get(entryId)).toBe(0);
      expect(server.db.prepare('SELECT COUNT(*) FROM result_bodies WHERE id = ?').pluck().get(bodyId)).toBe(1);

      const warned = lines.filter((line) => line.level === 40 && typeof line.table === 'string');
      expect(warned.map((line) => [line.table, line.row_id])).toEqual(
        expect.arrayContaining([
          ['result_bodies', bodyId],
          ['outbox', entryId],
        ]),
      );
      for (const line of warned) expect(JSON.stringify(line)).not.toContain(REASON);
      expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
    } finally {
      await second.server.close();
    }
  });

  it('an unreadable earlier figures entry or 3103 entry is passed over: the next day and decision are queued', async () => {
    const dataDir = made.dataDir();
    const { server } = await startSidecar(dataDir, 'http://127.0.0.1:9/');
    try {
      const answer = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-UNREADABLE-3', taskId: 'T-U-3' }));
      expect(answer.body.infcode, answer.body.err_msg).toBe(0);
      const jrId = answer.body.output.result![0]!.jr_id;
      const installId = 'install-unreadable';
      const at = Date.now();
      const insert = server.db.prepare(
        'INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
      );
      const badFigures = cutShort(JSON.stringify({ install_id: installId, day: '2026-11-01', revision: 1 }));
      insert.run(`figures:${installId}:2026-11-01`, 'daily_figures', badFigures, at, at);
      const warns = [{ warn_rslt_id: jrId, dspo_way: '1', dspo_way_rea: REASON }];
      const badFeedback = cutShort(JSON.stringify({ infno: '3103', data: { warn_type: '1', warns } }));
      insert.run('upstream-feedback:earlier', 'upstream_feedback', badFeedback, at, at);
      // Readable, but edited into another shape: warns an object whose value names the warn (review r5).
      const reshaped = JSON.stringify({ infno: '3103', data: { warn_type: '1', warns: { first: warns[0] } } });
      insert.run('upstream-feedback:reshaped', 'upstream_feedback', reshaped, at, at);
      // Readable, but its warns are bare jr_ids, which json_extract reads as malformed JSON.
      const scalars = JSON.stringify({ infno: '3103', data: { warn_type: '1', warns: [jrId] } });
      insert.run('upstream-feedback:scalars', 'upstream_feedback', scalars, at, at);

      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      const reader = openFiguresReader(server.db, createLogger({ level: 'silent' }));
      try {
        const queued = await queueDailyFigures(reader, server.db, outbox, { installId }, at + 86_400_000);
        expect(queued.length).toBeGreaterThan(0);
      } finally {
        await reader.close();
      }
      const later = {
        infno: '3103',
        data: { warn_type: '1', warns: [{ ...warns[0], dspo_way: '2', dspo_way_rea: '' }] },
      };
      expect(server.db.transaction(() => outbox.add('upstream-feedback:later', 'upstream_feedback', later, at))()).toBe(
        true,
      );

      const kept = server.db.prepare('SELECT payload FROM outbox WHERE id = ?').pluck();
      expect(kept.get(`figures:${installId}:2026-11-01`)).toBe(badFigures);
      expect(kept.get('upstream-feedback:earlier')).toBe(badFeedback);
      expect(kept.get('upstream-feedback:reshaped')).toBe(reshaped);
      expect(kept.get('upstream-feedback:scalars')).toBe(scalars);
    } finally {
      await server.close();
    }
  });

  it("a day whose last figures entry is unreadable gets its next revision under that entry's id, never a new id", async () => {
    const dataDir = made.dataDir();
    const { server } = await startSidecar(dataDir, 'http://127.0.0.1:9/');
    try {
      // The day read before the answer, so that an answer just before Shanghai midnight is not of the day after.
      const at = Date.now();
      const day = shanghaiDay(at);
      const answer = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-UNREADABLE-4', taskId: 'T-U-4' }));
      expect(answer.body.infcode, answer.body.err_msg).toBe(0);
      const installId = 'install-unreadable';
      // Sent first by the instance that ran here before (the machine was moved), and since damaged.
      const first = `figures:${installId}:old-instance:${day}`;
      const bad = cutShort(JSON.stringify({ install_id: installId, instance_id: 'old-instance', day, revision: 1 }));
      server.db
        .prepare('INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)')
        .run(first, 'daily_figures', bad, at, at);

      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      const reader = openFiguresReader(server.db, createLogger({ level: 'silent' }));
      const sender = { installId, instanceId: 'new-instance' };
      const entries = server.db.prepare<[], { id: string; payload: string }>(
        "SELECT id, payload FROM outbox WHERE kind = 'daily_figures' ORDER BY id",
      );
      try {
        expect(await queueDailyFigures(reader, server.db, outbox, sender, at + 86_400_000)).toEqual([day]);
        // The next revision of the damaged entry's id, as its instance: the platform replaces the day it has.
        expect(entries.all().map((e) => e.id)).toEqual([first, `${first}:r2`]);
        const second = JSON.parse(entries.all()[1]!.payload) as { instance_id: string; revision: number };
        expect(second).toMatchObject({ instance_id: 'old-instance', revision: 2, day });
        // Unchanged figures are not queued again.
        expect(await queueDailyFigures(reader, server.db, outbox, sender, at + 86_400_000)).toEqual([]);
        // A readable first revision with a damaged later one: the correction after it is the third. (The first is
        // made readable here: r2's figures as revision 1, different from today's only by nothing but the revision.)
        const setPayload = server.db.prepare('UPDATE outbox SET payload = ? WHERE id = ?');
        setPayload.run(JSON.stringify({ ...second, revision: 1 }), first);
        setPayload.run(bad, `${first}:r2`);
        expect(await queueDailyFigures(reader, server.db, outbox, sender, at + 86_400_000)).toEqual([day]);
        expect(entries.all().map((e) => e.id)).toEqual([first, `${first}:r2`, `${first}:r3`]);

        // An install from before instance ids, whose r9 and r10 are damaged: r11 follows r10 (numbers, not text,
        // where ":r10" sorts before ":r9"), under the id without an instance, and without one in its payload.
        const legacy = 'install-legacy';
        const insert = server.db.prepare(
          'INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
        );
        for (const revision of [9, 10])
          insert.run(`figures:${legacy}:${day}:r${revision}`, 'daily_figures', bad, at, at);
        const legacySender = { installId: legacy, instanceId: 'new-instance' };
        expect(await queueDailyFigures(reader, server.db, outbox, legacySender, at + 86_400_000)).toEqual([day]);
        const eleventh = entries.all().find((e) => e.id === `figures:${legacy}:${day}:r11`);
        expect(eleventh).toBeDefined();
        const payload = JSON.parse(eleventh!.payload) as Record<string, unknown>;
        expect(payload).toMatchObject({ install_id: legacy, day, revision: 11 });
        expect(payload).not.toHaveProperty('instance_id');
      } finally {
        await reader.close();
      }
      // Nothing unreadable was deleted: r2 and the legacy r9 and r10.
      expect(entries.all().filter((e) => e.payload === bad)).toHaveLength(3);
    } finally {
      await server.close();
    }
  });
});
