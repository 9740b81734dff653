import type { PointEntry } from '../library/compile';
import type { Limit } from '../library/model';
import { isCourse } from '../normalize/courses';
import { formatDay } from '../normalize/dates';
import type { Line } from '../normalize/normalized-types';
import { addFlag, byTime, involveRest, MAX_USE_DAYS, QTY_EPSILON, round2 } from './excess-counting';
import type { Hit, PointCheck } from './hit';
import { itemLabel } from './hit';

/**
 * What a line counts in the days `from`..`to`: its cnt on its begin day, or for a course (isCourse) the part of its
 * cnt on those days, spread evenly over its run (12 weekly sessions over 84 days are 1 in any 7 of them).
 */
function shareIn(line: Line, from: number, to: number): number {
  if (!isCourse(line)) return line.beginDay >= from && line.beginDay <= to ? line.qty : 0;
  const days = line.lastDay - line.beginDay + 1;
  const inside = Math.min(to, line.lastDay) - Math.max(from, line.beginDay) + 1;
  return inside > 0 ? (line.qty * inside) / days : 0;
}

/**
 * 医疗服务项目周期超频次 (1/7天): in the N-day window ending on a current line's day, the summed quantity exceeds
 * the limit. Every context line in the window counts (whatever its time of day: it is already charged), and so do
 * the current lines before this one; the part of a current line beyond the limit is its excess. A course (isCourse)
 * counts its share of each window (shareIn), and a current one is judged in the windows ending on each day of its
 * run, by the fullest. The text names every window that went over (windowsFact).
 */
export const checkMaxQtyPerNDays: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'max_qty_per_n_days') return undefined;
  const current = lines.filter((l) => l.current).sort(byTime);
  const hits: Hit[] = [];
  // Each hit's windows that went over, by end day (the length is the limit's): made on the first, most calls have none.
  let overWindows: Map<Hit, Set<number>> | undefined;
  for (let i = 0; i < current.length; i++) {
    const line = current[i]!;
    let windowEnd = line.beginDay;
    let total = Number.NEGATIVE_INFINITY;
    let own = 0;
    const lastEnd = isCourse(line) ? Math.min(line.lastDay, line.beginDay + MAX_USE_DAYS) : line.beginDay;
    for (let end = line.beginDay; end <= lastEnd; end++) {
      const start = end - limit.days + 1;
      let sum = 0;
      for (const other of lines) if (!other.current) sum += shareIn(other, start, end);
      for (let j = 0; j < i; j++) sum += shareIn(current[j]!, start, end);
      const mine = shareIn(line, start, end);
      if (sum + mine > total + QTY_EPSILON) {
        total = sum + mine;
        own = mine;
        windowEnd = end;
      }
    }
    if (total - limit.qty <= QTY_EPSILON) continue;
    const excess = Math.min(own, total - limit.qty);
    const fact = windowFact(windowEnd, limit, total);
    const hit = addFlag(hits, line, excess * line.price, nDaysMessage(entry, line, limit, fact), fact, true);
    overWindows ??= new Map();
    const windows = overWindows.get(hit);
    if (windows === undefined) overWindows.set(hit, new Set([windowEnd]));
    else windows.add(windowEnd);
  }
  if (hits.length === 0 || overWindows === undefined) return undefined;
  for (const [hit, ends] of overWindows) {
    // Naming the first window alone left the later lines flagged with no reason a doctor (or the 医保办) could see.
    // A line's total holds only the current lines before it, so a window is counted again over every line: a course
    // judged first in 11-01..11-14 said 14 where a line it shares that window with made 15.
    const windows = new Map<number, number>();
    for (const end of ends) windows.set(end, windowTotal(lines, end - limit.days + 1, end));
    hit.fact = windowsFact(windows, limit);
    hit.message = nDaysMessage(entry, hit.flagged[0]!.line, limit, hit.fact);
  }
  involveRest(hits, lines);
  return hits;
};

type NDaysLimit = Extract<Limit, { kind: 'max_qty_per_n_days' }>;

/** Windows a 周期超频次 text names before 「共 N 个周期超出」, as 「等 N 项」 bounds the diagnoses: vola_cont is 500 characters. */
const SHOWN_WINDOWS = 3;

/** What the window `from`..`to` holds: every line of the point, context and current, as the check counts them. */
function windowTotal(lines: readonly Line[], from: number, to: number): number {
  let total = 0;
  for (const line of lines) total += shareIn(line, from, to);
  return total;
}

/** A window and what it holds, with how far over: 限定频次 says 「超出 N 次」 too, and a doctor weighing a reason needs it. */
function windowFact(end: number, limit: NDaysLimit, total: number): string {
  return `${formatDay(end - limit.days + 1)} 至 ${formatDay(end)} 累计 ${round2(total)} 次，超出 ${round2(total - limit.qty)} 次`;
}

/** The windows that went over, in date order, the first SHOWN_WINDOWS of them and how many there are beyond. */
function windowsFact(windows: ReadonlyMap<number, number>, limit: NDaysLimit): string {
  const ends = [...windows.keys()].sort((a, b) => a - b);
  const shown = ends.slice(0, SHOWN_WINDOWS).map((end) => windowFact(end, limit, windows.get(end)!));
  // 「；」 between windows, as each carries its own 「，超出」; the count as 限定频次 gives its days (「；共 10 天超出」).
  return `${shown.join('；')}${ends.length > SHOWN_WINDOWS ? `；共 ${ends.length} 个周期超出` : ''}`;
}

function nDaysMessage(entry: PointEntry, line: Line, limit: NDaysLimit, fact: string): string {
  return `${itemLabel(entry, line)}限 ${limit.days} 天内 ${limit.qty} 次，${fact}。`;
}
