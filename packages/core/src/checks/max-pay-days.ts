import type { PointEntry } from '../library/compile';
import type { Limit } from '../library/model';
import { addMonths, formatDay } from '../normalize/dates';
import type { Encounter, Line } from '../normalize/normalized-types';
import { isOutpatient } from './encounter-limits';
import { addFlag, involveCounted, involveRest, MAX_USE_DAYS, mayCountWholeRun, round2 } from './excess-counting';
import type { Hit, PointCheck } from './hit';
import { itemLabel } from './hit';

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
