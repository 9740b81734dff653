import { type ComplianceFigures, countedReminder } from '../stats/compliance-figures';
import { addDays, shanghaiDay } from '../stats/days';
import type { Db } from '../store/database';
import type { OutboxStore } from '../store/outbox';

const LOOKBACK_DAYS = 30;

/** The id of a day's figures: the first sending keeps the original form, a correction adds its revision. */
export function figuresEntryId(installId: string, day: string, revision: number): string {
  return revision === 1 ? `figures:${installId}:${day}` : `figures:${installId}:${day}:r${revision}`;
}

/**
 * Queues each finished day's compliance figures for the platform (only days with reminders), and queues them again,
 * as the next revision, when they have changed since: a 3103 that arrives after its day was sent (replayed from the
 * native shim's spool, or given late) would otherwise leave the platform with that day's figures as first sent.
 * Each entry carries its `revision`; the platform keeps the highest per install and day. Returns the days queued.
 */
export function queueDailyFigures(
  db: Db,
  figures: ComplianceFigures,
  outbox: OutboxStore,
  installId: string,
  now = Date.now(),
): string[] {
  const today = shanghaiDay(now);
  const days = db
    .prepare(`SELECT DISTINCT day FROM reminders r WHERE day >= ? AND day < ? AND ${countedReminder(db)} ORDER BY day`)
    .pluck()
    .all(addDays(today, -LOOKBACK_DAYS), today) as string[];
  // The latest revision queued for a day: the original id, or one of its corrections (":r2", ":r3", …).
  const latest = db.prepare<[string, string, string], { payload: string }>(
    `SELECT payload FROM outbox WHERE kind = 'daily_figures' AND (id = ? OR (id > ? AND id < ?))
     ORDER BY json_extract(payload, '$.revision') DESC LIMIT 1`,
  );
  const queued: string[] = [];
  db.transaction(() => {
    for (const day of days) {
      const byRule = figures.report(day, day, 'rule');
      const content = {
        install_id: installId,
        day,
        totals: byRule.totals,
        by_rule: byRule.rows,
        by_dept: figures.report(day, day, 'dept').rows,
        by_doctor: figures.report(day, day, 'doctor').rows,
      };
      const first = figuresEntryId(installId, day, 1);
      const previous = latest.get(first, `${first}:r`, `${first}:s`);
      let revision = 1;
      if (previous) {
        const { revision: sent, ...sentContent } = JSON.parse(previous.payload) as { revision?: number };
        if (JSON.stringify(sentContent) === JSON.stringify(content)) continue;
        revision = (sent ?? 1) + 1;
      }
      const id = figuresEntryId(installId, day, revision);
      if (outbox.add(id, 'daily_figures', { ...content, revision }, now)) queued.push(day);
    }
  })();
  return queued;
}
