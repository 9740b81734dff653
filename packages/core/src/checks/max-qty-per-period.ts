import type { PointEntry } from '../library/compile';
import { dischargeInstantOf } from '../normalize/admissions';
import { isCourse } from '../normalize/courses';
import { formatDay } from '../normalize/dates';
import type { Line } from '../normalize/normalized-types';
import {
  addFlag,
  byTime,
  involveCounted,
  MAX_USE_DAYS,
  mayCountWholeRun,
  QTY_EPSILON,
  round2,
} from './excess-counting';
import type { Hit, PointCheck } from './hit';
import { itemLabel } from './hit';

/** What a line counts on one day (QtyPerPeriod). */
interface DayShare {
  line: Line;
  qty: number;
}

/** A long-term order running on a day: its per-day rate over the part of the day it ran, [from, to). */
interface Running {
  line: Line;
  rate: number;
  from: number;
  to: number;
}

interface DayLines {
  /** One-off lines and day charges of the day: each adds its cnt. */
  once: DayShare[];
  running: Running[];
}

/**
 * A long-term order (not one day's charge, Line.dayCharge) runs on every day from its begin day to its last day, the
 * request day for an open one, and so does a course (isCourse). A run longer than MAX_USE_DAYS is absurd and counts on
 * its begin day.
 */
function runDays(line: Line): number {
  if ((line.dto.long_drord_flag !== '1' && !isCourse(line)) || line.dayCharge) return 0;
  const days = line.lastDay - line.beginDay + 1;
  return days > MAX_USE_DAYS ? 1 : days;
}

/**
 * What a long-term order counts on each day it runs. Its cnt is the day's count (spec §2.6: the 数量 of the order line,
 * which a HIS does not change when it stamps a stop date), open or stopped, except where it can only be the whole
 * run's: a stop-dated order whose cnt is above one day's limit and at least one unit for each day of its run
 * (mayCountWholeRun) is spread evenly over begin..last day (心电监测 11-18 to 11-20 with cnt 72: 24 a day; 床位费 cnt 3
 * for three days: 1). A cnt within the day's limit is a day's count: the old ward's 床位费 cnt 1 stopped on the third
 * day is one bed a day, not a third (「累计 1.33 次」), and its 心电监测 cnt 24 is 24 hours a day, not 8. A course's cnt
 * is the whole course's whatever it is (a month of peritoneal dialysis, cnt 30 日: 1 a day, not 30 on its first day).
 */
function rateOf(line: Line, days: number, dayLimit: number): number {
  return mayCountWholeRun(line, days) && (line.qty > dayLimit || isCourse(line)) ? line.qty / days : line.qty;
}

/**
 * An overlap shorter than this between an order that stops and another of the point that begins is a hand-over
 * across midnight (new order 23:30, old stopped 00:10): the two were "累计 2 次" at sev 1 on correct care. On the day
 * the stopping order ends, any overlap is a hand-over (endOf).
 */
const HAND_OVER_MINUTES = 60;

/**
 * When a stop-dated order ended as the day's count reads it: its stop, or the begin of a long-term order of the point
 * that took over (the earliest such), begun after its own begin and before its stop, either on its last day of run or
 * less than HAND_OVER_MINUTES before the stop. A 转科 is such a day: the receiving ward enters its orders on the
 * patient's arrival (10:30) and the sending ward stops its own when it records the transfer (12:00); those 90 minutes
 * were two beds, two 诊查费 and 48 hours of 心电监测 at sev 1. **The price:** a second order of the item that really
 * ran beside the first on the day the first stopped is not counted that day (on the days before, it adds up).
 */
function endOf(line: Line, lastDay: number, lines: readonly Line[]): number {
  let end = line.stopAt;
  for (const other of lines) {
    if (other === line || runDays(other) === 0) continue;
    const at = other.beginMinutes;
    if (at > line.beginMinutes && at < end && (other.beginDay === lastDay || line.stopAt - at < HAND_OVER_MINUTES))
      end = at;
  }
  return end;
}

/** The day's entry of perDay, made on first use. A module function, not a closure per call: this runs per point hit. */
function dayOf(perDay: Map<number, DayLines>, day: number): DayLines {
  let d = perDay.get(day);
  if (!d) {
    d = { once: [], running: [] };
    perDay.set(day, d);
  }
  return d;
}

/**
 * When an open long-term order (no stop date) ended, in wall-clock minutes: the discharge instant of its encounter
 * when the discharge ended its run (its last day is the discharge day), else never. The patient left then, so a
 * readmission's orders begun later that day follow it, as a 转科's do: a readmission at 15:00 on the day of a 10:00
 * discharge was 「累计 2 次」 of 床位费 and 住院诊查费 at sev 1 from the finished stay's open orders.
 */
function openEnd(line: Line): number {
  const encounter = line.encounter;
  const discharge = dischargeInstantOf(encounter.dto, encounter.admDay);
  return discharge > line.beginMinutes && Math.floor(discharge / 1440) === line.lastDay
    ? discharge
    : Number.POSITIVE_INFINITY;
}

function linesPerDay(lines: readonly Line[], dayLimit: number): Map<number, DayLines> {
  const perDay = new Map<number, DayLines>();
  for (const line of lines) {
    const days = runDays(line);
    if (days === 0) {
      dayOf(perDay, line.beginDay).once.push({ line, qty: line.qty });
      continue;
    }
    const rate = rateOf(line, days, dayLimit);
    // A stop inside its last day ends the run there (or the hand-over before it); an open order runs to the end of
    // each day, or to its patient's discharge (openEnd).
    const end =
      line.stopDated && line.stopAt > line.beginMinutes ? endOf(line, line.beginDay + days - 1, lines) : openEnd(line);
    for (let day = line.beginDay; day < line.beginDay + days; day++) {
      // Handed over before this day began (new order 23:30, old stopped 00:10): it does not run on it.
      if (end <= day * 1440 && end < line.stopAt) continue;
      const from = Math.max(line.beginMinutes, day * 1440);
      const to = Math.max(Math.min(end, (day + 1) * 1440), from + 1);
      dayOf(perDay, day).running.push({ line, rate, from, to });
    }
  }
  return perDay;
}

/**
 * What the long-term orders of a day count: the largest sum of the rates of orders running at one instant, so orders
 * that follow one another (术后重整医嘱: stopped 08:30 and re-entered 12:00; 转科: stopped 14:00, new from 14:10) or
 * hand over (endOf) are one charge a day, not 1.5, while two orders running at the same time add up. The orders
 * running at that instant (the latest such instant on a tie) are the ones that counted.
 */
function peakOf(running: readonly Running[]): DayShare[] {
  let bestSum = -1;
  let bestAt = Number.NEGATIVE_INFINITY;
  // The sum only changes where a run begins, so the begins are the instants to try.
  for (const candidate of running) {
    const at = candidate.from;
    let sum = 0;
    for (const r of running) if (r.from <= at && at < r.to) sum += r.rate;
    if (sum > bestSum + QTY_EPSILON || (sum > bestSum - QTY_EPSILON && at > bestAt)) {
      bestSum = sum;
      bestAt = at;
    }
  }
  const shares: DayShare[] = [];
  for (const r of running) if (r.from <= bestAt && bestAt < r.to) shares.push({ line: r.line, qty: r.rate });
  return shares;
}

/**
 * The day's shares: the running orders that counted (peakOf), and each one-off line or day charge with its cnt, less
 * what an execution of a counted open order (Line.executes) takes of that order's day quantity, in time order: the
 * order's use on that day is counted once, and only executions beyond it add (the order's 1 bed and the nurse's 1
 * bed of the day are 1; a 24 h 心电监测 order and 48 h executed are 48).
 */
function beyondOrders(once: readonly DayShare[], peak: readonly DayShare[]): DayShare[] {
  let left: Map<Line, number> | undefined;
  for (const s of peak) {
    left ??= new Map();
    left.set(s.line, s.qty);
  }
  const executions = once.filter((s) => s.line.executes !== undefined && left?.has(s.line.executes));
  if (executions.length === 0) return once.concat(peak);
  const shares: DayShare[] = once.filter((s) => !executions.includes(s));
  for (const s of executions.sort((a, b) => byTime(a.line, b.line))) {
    const order = s.line.executes!;
    const taken = Math.min(s.qty, left!.get(order)!);
    left!.set(order, left!.get(order)! - taken);
    shares.push({ line: s.line, qty: s.qty - taken });
  }
  return shares.concat(peak);
}

/**
 * 医疗服务项目限定频次 (1/日, 24/小时): the summed quantity of the point's codes on one calendar day exceeds the
 * limit. One-off lines and day charges add their cnt on their begin day; long-term orders add what runs at once on
 * that day (runDays, peakOf; a refinement of rules.md, see packages/core/README.md). Context lines are already charged,
 * so they use up the allowance first; the excess falls on the current lines that counted on the day, latest first
 * (amount = excess quantity × price). Context lines are never flagged; the 涉及项 are the other lines that counted
 * on a day with an excess, not other days' lines.
 */
/** 限定频次's text: the day, its total and excess, and how many days exceed when more than one does. */
function perDayMessage(entry: PointEntry, qty: number, unit: string, fact: string, total: number, days = 1): string {
  return `${itemLabel(entry)}限定频次 ${entry.kp.limitText || `${qty}/日`}，${fact}，超出 ${round2(total - qty)} ${unit}${days > 1 ? `；共 ${days} 天超出` : ''}。`;
}

export const checkMaxQtyPerPeriod: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'max_qty_per_period') return undefined;
  const hits: Hit[] = [];
  // Made on the first day with an excess: most calls have none.
  let counted: Set<Line> | undefined;
  const unit = limit.per === 'hour' ? '小时' : '次';
  // The days a hit's lines were flagged on, each with its total: the amount covers them all, so the text must too.
  let excessDays: Map<Hit, { day: number; total: number }[]> | undefined;
  for (const [day, dayLines] of linesPerDay(lines, limit.qty)) {
    const shares = dayLines.running.length > 0 ? beyondOrders(dayLines.once, peakOf(dayLines.running)) : dayLines.once;
    let total = 0;
    let currentQty = 0;
    for (const s of shares) {
      total += s.qty;
      if (s.line.current) currentQty += s.qty;
    }
    if (currentQty === 0 || total - limit.qty <= QTY_EPSILON) continue;
    const fact = `${formatDay(day)} 累计 ${round2(total)} ${unit}`;
    const message = perDayMessage(entry, limit.qty, unit, fact, total);
    counted ??= new Set();
    excessDays ??= new Map();
    // What the current lines add beyond what is left after the context lines.
    let excess = Math.min(total - limit.qty, currentQty);
    const current = shares.filter((s) => s.line.current).sort((a, b) => byTime(a.line, b.line));
    for (let i = current.length - 1; i >= 0 && excess > QTY_EPSILON; i--) {
      const s = current[i]!;
      const part = Math.min(s.qty, excess);
      excess -= part;
      if (!(part > 0)) continue;
      const hit = addFlag(hits, s.line, part * s.line.price, message, fact, true);
      const days = excessDays.get(hit);
      if (days === undefined) excessDays.set(hit, [{ day, total }]);
      else if (days[days.length - 1]!.day !== day) days.push({ day, total });
    }
    for (const s of shares) counted.add(s.line);
  }
  if (hits.length === 0 || excessDays === undefined || counted === undefined) return undefined;
  for (const [hit, days] of excessDays) {
    if (days.length < 2) continue;
    // An open order since 11-11 exceeds on every day since: naming 11-11 alone beside the amount of ten days read as
    // a sum that did not add up. The first day stands for the rest, with the count of days.
    let first = days[0]!;
    for (const d of days) if (d.day < first.day) first = d;
    const dayFact = `${formatDay(first.day)} 累计 ${round2(first.total)} ${unit}`;
    hit.fact = `${dayFact}，共 ${days.length} 天超出`;
    hit.message = perDayMessage(entry, limit.qty, unit, dayFact, first.total, days.length);
  }
  const countedLines = counted;
  involveCounted(hits, lines, (line) => countedLines.has(line));
  return hits;
};
