import { describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { addDays, shanghaiDay } from '../src/stats/days';
import { analysisEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callService, testServer } from './helpers/test-server';
import { trackedServers } from './helpers/tracked-servers';
import { ageRecords, count, DAY_MS } from './retention-support';

// review-scale finding 2: a workstation that pruned daily with the default 400 days, whose window IT lowers to 90.
// Held back to two days a pass beyond the last cutoff (the guard against a clock read ahead), the lowered window
// took about 300 daily passes to be reached, and the warning blamed the clock.

const { track, stop } = trackedServers<SidecarServer>();

async function start(retentionDays: number, dataDir?: string) {
  const { logger, lines } = capturingLogger();
  const s = track(await testServer({ records: { retentionDays }, ...(dataDir ? { dataDir } : {}) }, { logger }));
  return { s, lines };
}

/** A 3101 answered with two warnings, written to the database before this returns. */
async function analyse(s: SidecarServer, encounterId: string): Promise<void> {
  const reply = await callService(s, analysisEnvelope({ encounterId, taskId: `T-${encounterId}` }));
  expect(reply.body.output.result).toHaveLength(2);
  await s.app.inject({ url: '/v1/stats' }); // everything queued is written
}

async function stats(s: SidecarServer, from: string, to: string): Promise<unknown[]> {
  const reports: unknown[] = [];
  for (const by of ['day', 'rule', 'dept', 'doctor'])
    reports.push(JSON.parse((await s.app.inject({ url: `/v1/stats?from=${from}&to=${to}&by=${by}` })).payload));
  return reports;
}

const progress = (s: SidecarServer, name: string) =>
  s.db.prepare('SELECT value FROM retention_progress WHERE name = ?').pluck().get(name) as number | undefined;

const midnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);

/**
 * When the task written last was answered: retention measures its window from its Asia/Shanghai day. Not the clock
 * read after it, which is a day later when midnight in Shanghai came in between (CI at 23:59).
 */
const lastTaskAt = (s: SidecarServer) => count(s.db, 'SELECT MAX(created_at) FROM tasks');

/**
 * A year of a workstation pruning daily with 400 days: records 250, 150 and 50 days old and today's, and the
 * cutoff a pass of today applied (today - 400). Returns the data dir, its server stopped.
 */
async function prunedDailyWith400(): Promise<string> {
  const { s } = await start(400);
  await analyse(s, 'MZ-250');
  ageRecords(s.db, 100);
  await analyse(s, 'MZ-150');
  ageRecords(s.db, 100);
  await analyse(s, 'MZ-50');
  ageRecords(s.db, 50);
  await analyse(s, 'MZ-TODAY');
  // The pass of today at the time of the last answer: one run just after midnight would be held back to the answer's
  // day and not stored as applied (a database never pruned).
  const answeredAt = lastTaskAt(s);
  const today = shanghaiDay(answeredAt);
  expect(await s.retention.prune(answeredAt)).toMatchObject({ kept_from: addDays(today, -400), reminders: 0 });
  expect(progress(s, 'cutoff_ms')).toBe(midnight(addDays(today, -400)));
  await stop(s);
  return s.dataDir;
}

describe('records.retentionDays lowered on a workstation that prunes daily', () => {
  it('applies the lowered window at the next pass and says so, the figures unchanged', async () => {
    const dataDir = await prunedDailyWith400();
    const { s, lines } = await start(90, dataDir);
    const today = shanghaiDay(lastTaskAt(s));
    const before = await stats(s, addDays(today, -300), today);
    expect(count(s.db, 'SELECT COUNT(*) FROM reminders')).toBe(8);

    const report = await s.retention.prune();
    expect(report).toMatchObject({ kept_from: addDays(today, -90), reminders: 4, tasks: 2 });
    expect(count(s.db, 'SELECT COUNT(*) FROM reminders')).toBe(4);
    expect(count(s.db, 'SELECT COUNT(*) FROM tasks WHERE created_at < ?', Date.now() - 90 * DAY_MS)).toBe(0);
    // 医保办's figures of the pruned days come from pruned_figures now, the same as before.
    expect(await stats(s, addDays(today, -300), today)).toEqual(before);
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    expect(lines.find((l) => String(l.msg).startsWith('records.retentionDays changed'))).toMatchObject({
      retention_days_before: 400,
      retention_days: 90,
      kept_from: addDays(today, -90),
      msg: `records.retentionDays changed from 400 days to 90 days: pruning the records before ${addDays(today, -90)} (the last pass pruned those before ${addDays(today, -400)})`,
    });
    expect(progress(s, 'cutoff_days')).toBe(90);
    expect(progress(s, 'cutoff_ms')).toBe(midnight(addDays(today, -90)));
    // The next pass is an ordinary one: nothing more to say.
    const said = lines.length;
    expect(await s.retention.prune()).toMatchObject({ kept_from: addDays(today, -90), reminders: 0 });
    expect(lines.slice(said).filter((l) => Number(l.level) >= 30 && String(l.msg).includes('retentionDays'))).toEqual(
      [],
    );
  });

  it('applies it too on a database whose cutoff an earlier version stored without its window', async () => {
    const dataDir = await prunedDailyWith400();
    const { s, lines } = await start(90, dataDir);
    s.db.prepare("DELETE FROM retention_progress WHERE name = 'cutoff_days'").run();
    const today = shanghaiDay(lastTaskAt(s));
    expect(await s.retention.prune()).toMatchObject({ kept_from: addDays(today, -90), reminders: 4, tasks: 2 });
    expect(lines.find((l) => String(l.msg).startsWith('records.retentionDays changed'))).toMatchObject({
      retention_days_before: null,
      retention_days: 90,
    });
    expect(progress(s, 'cutoff_days')).toBe(90);
  });

  it('still holds the cutoff back for a clock read ahead, naming why and the day the window is reached', async () => {
    const dataDir = await prunedDailyWith400();
    const { s, lines } = await start(90, dataDir);
    const today = shanghaiDay(lastTaskAt(s));
    // The clock reads 30 days ahead at the pass: the newest record is a month behind it.
    const ahead = Date.now() + 30 * DAY_MS;
    const clockDay = shanghaiDay(ahead);
    expect(await s.retention.prune(ahead)).toMatchObject({ kept_from: addDays(today, -398), reminders: 0 });
    expect(count(s.db, 'SELECT COUNT(*) FROM reminders')).toBe(8);
    const warning = lines.find((l) => l.level === 40);
    expect(warning?.msg).toBe(
      `pruning only the records before ${addDays(today, -398)}, not the 90-day window (before ${addDays(clockDay, -90)}): ` +
        `the newest record is from ${today} while the clock reads ${clockDay}: the clock is ahead of the records, or none were written lately; ` +
        `the cutoff moves at most 2 days a pass beyond the one last applied (${addDays(today, -400)}), a guard against a clock read ahead while records were written; ` +
        'it is reached at the first pass after records are written on the clock’s day',
    );
    expect(lines.some((l) => String(l.msg).startsWith('records.retentionDays changed'))).toBe(false);
    // The change is still to be applied: the window it was computed with stays the old one.
    expect(progress(s, 'cutoff_days')).toBe(400);
  });

  it('with the window unchanged, holds records written while the clock was ahead to two days a pass', async () => {
    const { s: same, lines: sameLines } = await start(400);
    await analyse(same, 'MZ-OLD');
    // The pass at the time of the answer, and the later one 200 days after it, as the task is moved: measured from the
    // clock after it, both would be a day later across midnight in Shanghai (the first then not stored as applied).
    const answeredAt = lastTaskAt(same);
    const today = shanghaiDay(answeredAt);
    expect(await same.retention.prune(answeredAt)).toMatchObject({ kept_from: addDays(today, -400) });
    same.db.prepare('UPDATE tasks SET created_at = created_at + ?').run(200 * DAY_MS);
    const later = answeredAt + 200 * DAY_MS;
    expect(await same.retention.prune(later)).toMatchObject({ kept_from: addDays(today, -398) });
    const held = sameLines.find((l) => l.level === 40);
    expect(held).toMatchObject({ window_reached_on: addDays(shanghaiDay(later), 198) });
    expect(held?.msg).toMatch(
      /a guard against a clock read ahead while records were written; with a pass a day it is reached on/,
    );
    expect(held?.msg).not.toMatch(/newest record/);
  });
});
