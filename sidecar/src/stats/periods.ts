import { addDays, daysInRange } from './days';

/*
 * Calendar periods over the Asia/Shanghai days the figures are kept by (reminders.day, pruned_figures.day): ISO weeks
 * (Monday first), months and quarters, the way 医保办 report (月报、季度考核). A period is grouped from the same days
 * by=day reports, kept and pruned alike, so its figures are the sum of its days' and a range's totals are by=day's.
 */

export type StatsPeriod = 'week' | 'month' | 'quarter';
export const STATS_PERIODS: readonly StatsPeriod[] = ['week', 'month', 'quarter'];

export function isPeriod(by: string): by is StatsPeriod {
  return (STATS_PERIODS as readonly string[]).includes(by);
}

/**
 * The SQL grouping key of the period holding the day in `day` (a yyyy-MM-dd column): the week's Monday (made the
 * ISO label in periodRows, which SQLite before 3.46 cannot write), 2026-11, 2026-Q4. All sort in calendar order.
 */
export function periodKeySql(period: StatsPeriod, day: string): string {
  switch (period) {
    case 'week':
      return `date(${day}, '-6 days', 'weekday 1')`;
    case 'month':
      return `substr(${day}, 1, 7)`;
    case 'quarter':
      return `substr(${day}, 1, 5) || 'Q' || ((CAST(substr(${day}, 6, 2) AS INTEGER) + 2) / 3)`;
  }
}

/** Which days of a period a report row covers. */
export interface PeriodSpan {
  /** The period's own first and last day (a Monday and a Sunday; the 1st and the last of a month or quarter). */
  first_day: string;
  last_day: string;
  /** The days of it within the report's range: all of them, or fewer at either end of the range. */
  covered_from: string;
  covered_to: string;
  covered_days: number;
  /** Fewer days covered than the period has: its figures are not the whole week's, month's or quarter's. */
  partial: boolean;
}

/** The ISO week of a Monday: the year is that of its Thursday (2025-12-29 starts 2026-W01). */
export function isoWeekOfMonday(monday: string): string {
  const thursday = addDays(monday, 3);
  const year = thursday.slice(0, 4);
  const week = Math.floor((daysInRange(`${year}-01-01`, thursday) - 1) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function monthEnd(year: number, month: number): string {
  // Day 0 of the next month is this month's last.
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

/** A period's key (as periodKeySql gives it) as its label and its own first and last day. */
function periodOf(period: StatsPeriod, key: string): { key: string; first: string; last: string } {
  if (period === 'week') return { key: isoWeekOfMonday(key), first: key, last: addDays(key, 6) };
  const year = Number(key.slice(0, 4));
  if (period === 'month') {
    const month = Number(key.slice(5, 7));
    return { key, first: `${key}-01`, last: monthEnd(year, month) };
  }
  const quarter = Number(key.slice(6));
  const firstMonth = (quarter - 1) * 3 + 1;
  return {
    key,
    first: `${year}-${String(firstMonth).padStart(2, '0')}-01`,
    last: monthEnd(year, firstMonth + 2),
  };
}

/**
 * The rows of a report by week, month or quarter, keyed 2026-W48 / 2026-11 / 2026-Q4 with the days they hold;
 * a week is labelled with its first and last day (2026-W48 11-23～11-29). Rows of other reports are left as they are.
 */
export function periodRows<R extends { key: string; label: string }>(
  by: string,
  from: string,
  to: string,
  rows: R[],
): (R & Partial<PeriodSpan>)[] {
  if (!isPeriod(by)) return rows;
  return rows.map((row) => {
    const { key, first, last } = periodOf(by, row.key);
    const coveredFrom = first < from ? from : first;
    const coveredTo = last > to ? to : last;
    const coveredDays = daysInRange(coveredFrom, coveredTo);
    return {
      ...row,
      key,
      label: by === 'week' ? `${key} ${first.slice(5)}～${last.slice(5)}` : key,
      first_day: first,
      last_day: last,
      covered_from: coveredFrom,
      covered_to: coveredTo,
      covered_days: coveredDays,
      partial: coveredDays < daysInRange(first, last),
    };
  });
}

/** The number of days in [from, to]. */
export function rangeDays(from: string, to: string): number {
  return daysInRange(from, to);
}
