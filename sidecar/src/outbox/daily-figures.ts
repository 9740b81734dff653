import type { ComplianceFigures } from '../stats/compliance-figures';
import { addDays, shanghaiDay } from '../stats/days';
import type { Db } from '../store/database';
import type { OutboxStore } from '../store/outbox';

const LOOKBACK_DAYS = 30;

/**
 * Queues each finished day's compliance figures for the platform, once per day (the id is derived from the
 * install and the day, so re-running never queues a day twice). Only days with reminders are sent.
 * Returns the days queued.
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
    .prepare('SELECT DISTINCT day FROM reminders WHERE day >= ? AND day < ? ORDER BY day')
    .pluck()
    .all(addDays(today, -LOOKBACK_DAYS), today) as string[];
  const queued: string[] = [];
  db.transaction(() => {
    for (const day of days) {
      const id = `figures:${installId}:${day}`;
      if (outbox.has(id)) continue;
      const byRule = figures.report(day, day, 'rule');
      const payload = {
        install_id: installId,
        day,
        totals: byRule.totals,
        by_rule: byRule.rows,
        by_dept: figures.report(day, day, 'dept').rows,
        by_doctor: figures.report(day, day, 'doctor').rows,
      };
      if (outbox.add(id, 'daily_figures', payload, now)) queued.push(day);
    }
  })();
  return queued;
}
