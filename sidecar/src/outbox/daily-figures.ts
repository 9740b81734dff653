import { type ComplianceFigures, countedReminder, type Figures, type StatsRow } from '../stats/compliance-figures';
import { addDays, shanghaiDay } from '../stats/days';
import type { FiguresReader } from '../stats/figures-reader';
import type { Db } from '../store/database';
import type { OutboxStore } from '../store/outbox';

const LOOKBACK_DAYS = 30;

/** The id of a day's figures: the first sending keeps the original form, a correction adds its revision. */
export function figuresEntryId(installId: string, day: string, revision: number): string {
  return revision === 1 ? `figures:${installId}:${day}` : `figures:${installId}:${day}:r${revision}`;
}

/** One finished day's figures as the platform receives them (without install_id, day and revision). */
export interface DayFigures {
  totals: Figures;
  by_rule: StatsRow[];
  by_dept: StatsRow[];
  by_doctor: StatsRow[];
}

/** The finished days (of the last 30, before today's) that have reminders: the days whose figures are queued. */
export function finishedDaysWithReminders(db: Db, now: number): string[] {
  const today = shanghaiDay(now);
  return db
    .prepare(`SELECT DISTINCT day FROM reminders r WHERE day >= ? AND day < ? AND ${countedReminder(db)} ORDER BY day`)
    .pluck()
    .all(addDays(today, -LOOKBACK_DAYS), today) as string[];
}

/** A day's figures by rule (with the totals), department and doctor. */
export function dayFigures(figures: ComplianceFigures, day: string): DayFigures {
  const byRule = figures.report(day, day, 'rule');
  return {
    totals: byRule.totals,
    by_rule: byRule.rows,
    by_dept: figures.report(day, day, 'dept').rows,
    by_doctor: figures.report(day, day, 'doctor').rows,
  };
}

/**
 * Queues each finished day's compliance figures for the platform (only days with reminders), and queues them again,
 * as the next revision, when they have changed since: a 3103 that arrives after its day was sent (replayed from the
 * native shim's spool, or given late) would otherwise leave the platform with that day's figures as first sent.
 * Each entry carries its `revision`; the platform keeps the highest per install and day. Returns the days queued.
 *
 * The figures are computed by `reader` (on the figures thread, or this one where it cannot run), one day per query:
 * a report 医保办 asks for meanwhile waits for one day's figures, not thirty days'. Only the queueing happens on `db`;
 * a 3103 that changes a day after its figures were read is sent as the next revision an hour later.
 */
export async function queueDailyFigures(
  reader: FiguresReader,
  db: Db,
  outbox: OutboxStore,
  installId: string,
  now = Date.now(),
): Promise<string[]> {
  const days: { day: string; figures: DayFigures }[] = [];
  for (const day of await reader.query({ kind: 'finished-days', now }))
    days.push({ day, figures: await reader.query({ kind: 'day-figures', day }) });
  return queueComputedFigures(db, outbox, installId, days, now);
}

/** What queueDailyFigures queues on `db`: the days whose figures differ from those queued before. */
function queueComputedFigures(
  db: Db,
  outbox: OutboxStore,
  installId: string,
  days: { day: string; figures: DayFigures }[],
  now = Date.now(),
): string[] {
  // The latest revision queued for a day: the original id, or one of its corrections (":r2", ":r3", …).
  const latest = db.prepare<[string, string, string], { payload: string }>(
    `SELECT payload FROM outbox WHERE kind = 'daily_figures' AND (id = ? OR (id > ? AND id < ?))
     ORDER BY json_extract(payload, '$.revision') DESC LIMIT 1`,
  );
  const queued: string[] = [];
  db.transaction(() => {
    for (const { day, figures } of days) {
      // The key order is the payload's: a day's figures are compared with the last sent as JSON text.
      const content = {
        install_id: installId,
        day,
        totals: figures.totals,
        by_rule: figures.by_rule,
        by_dept: figures.by_dept,
        by_doctor: figures.by_doctor,
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
