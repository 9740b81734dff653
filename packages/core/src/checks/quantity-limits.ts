import type { PointEntry } from '../library/compile';
import type { Limit } from '../library/model';
import { dischargeInstantOf } from '../normalize/admissions';
import { isCourse } from '../normalize/courses';
import { addMonths, formatDay } from '../normalize/dates';
import type { Encounter, Line } from '../normalize/normalized-types';
import { isOutpatient } from './encounter-limits';
import type { FlaggedLine, Hit, PointCheck } from './hit';
import { itemLabel } from './hit';

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function byTime(a: Line, b: Line): number {
  return a.beginMinutes - b.beginMinutes || a.index - b.index;
}

/**
 * `byPrice`: the amount is an excess quantity × pric, so it is known only where pric was sent. A line's amount is
 * capped at its sumamt: an open order counts its cnt on every day it has run (linesPerDay), so the excess of each
 * day summed on one line made a ¥100 bed line owe ¥500; no line can be charged back more than it costs.
 */
function addFlag(hits: Hit[], line: Line, amount: number, message: string, fact: string, byPrice: boolean): Hit {
  let hit = hits.find((h) => h.encounter === line.encounter);
  if (!hit) {
    hit = { encounter: line.encounter, flagged: [], involved: [], message, fact, amountComputed: true };
    hits.push(hit);
  }
  if (!(byPrice ? line.priceKnown : line.amountKnown)) hit.amountComputed = false;
  const existing = hit.flagged.find((f: FlaggedLine) => f.line === line);
  const total = round2((existing?.amount ?? 0) + amount);
  const capped = line.amountKnown && total > line.amount ? line.amount : total;
  if (existing) existing.amount = capped;
  else hit.flagged.push({ line, amount: capped });
  return hit;
}

function involveRest(hits: Hit[], lines: readonly Line[]): void {
  for (const hit of hits) {
    for (const line of lines) {
      if (!hit.flagged.some((f) => f.line === line) && line.encounter.patient === hit.encounter.patient)
        hit.involved.push(line);
    }
  }
}

/** Flags a line's days of use may run to: a long-term order from 1900 must not loop for a century. */
const MAX_USE_DAYS = 4000;

/** The distinct calendar days of use of `lines` (begin..last day of each), or of those of `encounter`, ascending. */
function useDays(lines: readonly Line[], encounter?: Encounter): number[] {
  const days = new Set<number>();
  for (const line of lines) {
    if (encounter !== undefined && line.encounter !== encounter) continue;
    for (let d = line.beginDay; d <= line.lastDay && days.size <= MAX_USE_DAYS; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

/**
 * A stop-dated long-term order's cnt may be its whole run's (a course written up front: 20 vials for 20 days) only
 * when it is at least one unit for each of its `days`; less than one a day (1 bed over 3 days, 2 vials over 16 days)
 * is the day's count a HIS sent while the order was open and kept when the doctor stamped the stop. Read as the run's,
 * stopping an order turned 「累计 1 次」 into 「累计 1.33 次」 on a 转科 day and cut a pay-days amount from 40.00 to 5.00.
 * A course's cnt is always its whole run's (isCourse): a 临时 line is billed once and has no day's count to keep, so
 * 12 weekly sessions over 84 days are 12 in all, not 12 on a day.
 */
function mayCountWholeRun(line: Line, days: number): boolean {
  return line.stopDated && days > 1 && days <= MAX_USE_DAYS && (line.qty >= days || isCourse(line));
}

/**
 * The part of a line's amount that falls on its days from `firstBeyond` on. A stop-dated long-term order whose cnt is
 * its whole run's (mayCountWholeRun) is one charge for the run, so an order of 20 days written up front owes only
 * the days beyond the limit: 6 of 20 are 60.00 of 200, not 200. A day's count (an open order's, or a stopped one's
 * of less than one unit a day) makes its amount one day's charge, and a one-off line covers its one day: either
 * falls beyond whole, so stopping the order does not change what the reminder is worth.
 */
function amountBeyond(line: Line, firstBeyond: number): number {
  const covered = line.lastDay - line.beginDay + 1;
  if (!mayCountWholeRun(line, covered)) return line.amount;
  const beyond = line.lastDay - Math.max(line.beginDay, firstBeyond) + 1;
  return round2((line.amount * beyond) / covered);
}

/**
 * 「已用药 N 天」 only for days already past: a course ordered up front (a long-term order stopped 20 days ahead) has
 * days not yet given, and calling them used told the doctor the patient had had a course he was only now writing.
 * `days` are the counted days of use, ascending; `today` the request day.
 */
function daysOfUse(days: readonly number[], today: number, used: string): string {
  let given = 0;
  while (given < days.length && days[given]! <= today) given++;
  if (given === days.length) return `${used} ${days.length} 天`;
  const ordered = `医嘱开具至 ${formatDay(days[days.length - 1]!)}，共 ${days.length} 天`;
  return given === 0 ? ordered : `${used} ${given} 天，${ordered}`;
}

/** Every unflagged line of the hit's patient that `counted` says was counted is 涉及项. */
function involveCounted(hits: Hit[], lines: readonly Line[], counted: (line: Line) => boolean): void {
  for (const hit of hits) {
    for (const line of lines) {
      if (
        !hit.flagged.some((f) => f.line === line) &&
        line.encounter.patient === hit.encounter.patient &&
        counted(line)
      )
        hit.involved.push(line);
    }
  }
}

type PayDaysLimit = Extract<Limit, { kind: 'max_pay_days' }>;

/**
 * 「已用药」 for a drug's days, 「已使用」 for a service's or a material's: 「已用药 31 天」 of 减重支持系统训练 read as a
 * drug the doctor never gave. Told by the lines' 目录类别 (西药/中成药 101, 饮片 102, 自制剂 103, 民族药 104), not by
 * the point's item type, which a local library writes as it likes.
 */
function usedWord(lines: readonly Line[]): string {
  for (const line of lines) {
    const t = line.listType;
    if (t === '101' || t === '102' || t === '103' || t === '104') return '已用药';
  }
  return '已使用';
}

/**
 * 药品/医疗服务项目限支付疗程. What is counted depends on what the point's text says (Limit.count, read at import;
 * a refinement of rules.md for these texts, see packages/core/README.md):
 * - no count (支付不超过14天): rules.md's distinct calendar days of use of the point's codes over every line of the
 *   patient (current and context, begin..stop of long-term orders) beyond the N-th day;
 * - `span` (支付不超过12个月, 总时间不超过90天): the time since the first day of use;
 * - `admission` (单次住院): the days of use within the current line's encounter;
 * - `episode` (新发, 发作, 一个疾病过程): the days of use within the current episode.
 * Current lines on days beyond the limit are flagged with the part of their amount on those days (amountBeyond). One pass over the lines, plus a sort of the
 * distinct days of use where days are counted.
 */
export const checkMaxPayDays: PointCheck = (entry, lines, ctx) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'max_pay_days') return undefined;
  const today = ctx.now.day;
  if (limit.count === 'span') return paySpan(entry, limit, lines, today);
  if (limit.count === 'admission') return payDaysPerAdmission(entry, limit, lines, today);
  if (limit.count === 'episode')
    return payDaysPerEpisode(entry, limit, lines, ctx.config.payDays.episodeGapDays, today);
  const sorted = useDays(lines);
  if (sorted.length <= limit.days) return undefined;
  const lastAllowed = sorted[limit.days - 1]!;
  const firstBeyond = sorted[limit.days]!;
  const fact = `${daysOfUse(sorted, ctx.now.day, usedWord(lines))}（${formatDay(sorted[0]!)} 起）`;
  const message = `${itemLabel(entry)}支付不超过 ${limit.days} 天，${fact}，${formatDay(firstBeyond)} 起超出。`;
  const hits: Hit[] = [];
  for (const line of lines)
    if (line.current && line.lastDay > lastAllowed)
      addFlag(hits, line, amountBeyond(line, firstBeyond), message, fact, false);
  if (hits.length === 0) return undefined;
  involveRest(hits, lines);
  return hits;
};

/**
 * A duration of treatment: the paid span is the N calendar days from the first day of use of the point's codes in
 * any line, current or context, that day being day 1 (stated in months or years: up to the day before the same date
 * `months` later). A current line running on day N+1 or later (N or more days after the first day) is beyond it,
 * however few days of use the span held: three-weekly infusions or weekly sessions reach the end of the span too.
 */
function paySpan(entry: PointEntry, limit: PayDaysLimit, lines: readonly Line[], today: number): Hit[] | undefined {
  let latest = Number.NEGATIVE_INFINITY;
  for (const line of lines) if (line.current && line.lastDay > latest) latest = line.lastDay;
  const spanEnd = (from: number) => (limit.months ? addMonths(from, limit.months) : from + limit.days);
  // The course in hand: a use on a day the span begun at the previous use would already have ended starts a new one
  // (no pause inside one course outlasts the whole course). Counting from the patient's very first use flagged a
  // stroke's first 手功能评定 as day 630 of the wrist course of 2025.
  const days = useDays(lines);
  let first = days[0]!;
  for (let i = 1; i < days.length && days[i]! <= latest; i++) if (days[i]! >= spanEnd(days[i - 1]!)) first = days[i]!;
  const end = spanEnd(first);
  if (latest < end) return undefined;
  const span = limit.months ? `${limit.months} 个月` : `${limit.days} 天`;
  // The span is full only once its end has come; before that the order is written past it.
  const reached = latest > today ? `，医嘱开具至 ${formatDay(latest)}，超过 ${span}` : `已满 ${span}`;
  const fact = limit.months
    ? `自 ${formatDay(first)} 首次使用${reached}`
    : `自 ${formatDay(first)} 首次使用${reached}（至 ${formatDay(latest)} 为第 ${latest - first + 1} 天）`;
  const message = `${itemLabel(entry)}支付不超过 ${span}，${fact}，${formatDay(end)} 起超出。`;
  const hits: Hit[] = [];
  for (const line of lines)
    if (line.current && line.lastDay >= end) addFlag(hits, line, amountBeyond(line, end), message, fact, false);
  involveCounted(hits, lines, (line) => line.lastDay >= first);
  return hits;
}

/**
 * 单次住院: the distinct days of use of the lines of the current line's own encounter, current and context (the
 * earlier days of this admission); earlier admissions sent as history do not count, also one sent under the same
 * mdtrt_id (a reused 住院号: admissionsOf reads it as an encounter of its own, so encounters are compared, not ids).
 */
function payDaysPerAdmission(
  entry: PointEntry,
  limit: PayDaysLimit,
  lines: readonly Line[],
  today: number,
): Hit[] | undefined {
  let hits: Hit[] | undefined;
  // Almost always one encounter holds current lines; another is counted on its own.
  const done: Encounter[] = [];
  for (const line of lines) {
    const encounter = line.encounter;
    if (!line.current || done.includes(encounter)) continue;
    done.push(encounter);
    const sorted = useDays(lines, encounter);
    if (sorted.length <= limit.days) continue;
    const lastAllowed = sorted[limit.days - 1]!;
    const firstBeyond = sorted[limit.days]!;
    const stay = isOutpatient(encounter) ? '就诊' : '住院';
    const fact = `本次${stay}${daysOfUse(sorted, today, usedWord(lines))}（${formatDay(sorted[0]!)} 起）`;
    const message = `${itemLabel(entry)}单次${stay}支付不超过 ${limit.days} 天，${fact}，${formatDay(firstBeyond)} 起超出。`;
    const found: Hit[] = [];
    for (const l of lines)
      if (l.current && l.encounter === encounter && l.lastDay > lastAllowed)
        addFlag(found, l, amountBeyond(l, firstBeyond), message, fact, false);
    if (found.length === 0) continue;
    involveCounted(found, lines, (l) => l.encounter === encounter);
    hits = hits ? hits.concat(found) : found;
  }
  return hits;
}

/**
 * 新发 / 发作 / 一个疾病过程: the distinct days of use within the current episode. An episode is a run of days of use
 * in which no pause (days in a row without use, current or context lines of any encounter) is longer than
 * `gapDays` (EvaluatorConfig.payDays.episodeGapDays): a pause of exactly `gapDays` days keeps the episode, one day
 * more starts a new one with the next use. Encounters do not bound it: a stroke treated in the emergency department
 * and then on the ward, or rehabilitation continued after a transfer, is one episode; a course from an admission
 * two years ago is not part of today's.
 */
function payDaysPerEpisode(
  entry: PointEntry,
  limit: PayDaysLimit,
  lines: readonly Line[],
  gapDays: number,
  today: number,
): Hit[] | undefined {
  const sorted = useDays(lines);
  if (sorted.length <= limit.days) return undefined;
  const hits: Hit[] = [];
  // First and last day of each episode that flagged a line, for its 涉及项.
  const flaggedRuns: number[] = [];
  let runStart = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i]! - sorted[i - 1]! - 1 <= gapDays) continue;
    // sorted[runStart .. i-1] is one episode.
    const count = i - runStart;
    if (count > limit.days) {
      const from = sorted[runStart]!;
      const to = sorted[i - 1]!;
      const lastAllowed = sorted[runStart + limit.days - 1]!;
      const firstBeyond = sorted[runStart + limit.days]!;
      const fact = `本次病程（${formatDay(from)} 起，未停用超过 ${gapDays} 天）${daysOfUse(sorted.slice(runStart, i), today, usedWord(lines))}`;
      const message = `${itemLabel(entry)}一个病程支付不超过 ${limit.days} 天，${fact}，${formatDay(firstBeyond)} 起超出。`;
      let flagged = false;
      for (const line of lines) {
        if (line.current && line.beginDay >= from && line.beginDay <= to && line.lastDay > lastAllowed) {
          addFlag(hits, line, amountBeyond(line, firstBeyond), message, fact, false);
          flagged = true;
        }
      }
      if (flagged) flaggedRuns.push(from, to);
    }
    runStart = i;
  }
  if (hits.length === 0) return undefined;
  involveCounted(hits, lines, (l) => {
    for (let r = 0; r < flaggedRuns.length; r += 2)
      if (l.beginDay >= flaggedRuns[r]! && l.beginDay <= flaggedRuns[r + 1]!) return true;
    return false;
  });
  return hits;
}

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

/** Below this a day's excess is rounding left by a count spread over several days (72 ÷ 3 × 3 ≠ 72 in floats). */
const QTY_EPSILON = 1e-9;

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
    const fact = windowFact(windowEnd, limit.days, total);
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
    hit.fact = windowsFact(windows, limit.days);
    hit.message = nDaysMessage(entry, hit.flagged[0]!.line, limit, hit.fact);
  }
  involveRest(hits, lines);
  return hits;
};

type NDaysLimit = Extract<Limit, { kind: 'max_qty_per_n_days' }>;

/** Windows a 周期超频次 text names before 「等 N 个周期」, as 「等 N 项」 bounds the diagnoses: vola_cont is 500 characters. */
const SHOWN_WINDOWS = 3;

/** What the window `from`..`to` holds: every line of the point, context and current, as the check counts them. */
function windowTotal(lines: readonly Line[], from: number, to: number): number {
  let total = 0;
  for (const line of lines) total += shareIn(line, from, to);
  return total;
}

function windowFact(end: number, days: number, total: number): string {
  return `${formatDay(end - days + 1)} 至 ${formatDay(end)} 累计 ${round2(total)} 次`;
}

/** The windows that went over, in date order, the first SHOWN_WINDOWS of them and how many there are beyond. */
function windowsFact(windows: ReadonlyMap<number, number>, days: number): string {
  const ends = [...windows.keys()].sort((a, b) => a - b);
  const shown = ends.slice(0, SHOWN_WINDOWS).map((end) => windowFact(end, days, windows.get(end)!));
  return `${shown.join('、')}${ends.length > SHOWN_WINDOWS ? ` 等 ${ends.length} 个周期` : ''}`;
}

function nDaysMessage(entry: PointEntry, line: Line, limit: NDaysLimit, fact: string): string {
  return `${itemLabel(entry, line)}限 ${limit.days} 天内 ${limit.qty} 次，${fact}。`;
}
