import type { KnowledgePoint } from '@prealert/core';
import { formatDay, parseLocalTime, stableHash } from '@prealert/core';

/** A point's effective days, inclusive, read as the evaluator reads them (compile.ts): ±Infinity when open. */
export interface DayRange {
  from: number;
  to: number;
}

export function effectiveDays(kp: Pick<KnowledgePoint, 'effectiveFrom' | 'effectiveTo'>): DayRange {
  return {
    from: kp.effectiveFrom ? (parseLocalTime(kp.effectiveFrom)?.day ?? -Infinity) : -Infinity,
    to: kp.effectiveTo ? (parseLocalTime(kp.effectiveTo)?.day ?? Infinity) : Infinity,
  };
}

export function daysOverlap(a: DayRange, b: DayRange): boolean {
  return a.from <= b.to && b.from <= a.to;
}

/** The days of `within` that none of `covered` holds, as ranges in day order. */
export function uncoveredDays(within: DayRange, covered: readonly DayRange[]): DayRange[] {
  const gaps: DayRange[] = [];
  let next = within.from;
  for (const range of [...covered].sort((a, b) => a.from - b.from)) {
    if (range.from > range.to) continue;
    if (next > within.to) break;
    if (range.from > next) gaps.push({ from: next, to: Math.min(range.from - 1, within.to) });
    // Infinity + 1 is Infinity: a window open at its end leaves no day after it.
    if (range.to === Infinity) return gaps;
    next = Math.max(next, range.to + 1);
  }
  if (next <= within.to) gaps.push({ from: next, to: within.to });
  return gaps;
}

/** The point `kp` for `codes` on `days` only. */
export function outsideCopy(kp: KnowledgePoint, days: DayRange, codes: string[]): KnowledgePoint {
  const from = Number.isFinite(days.from) ? formatDay(days.from) : '';
  const to = Number.isFinite(days.to) ? formatDay(days.to) : '';
  // "-x": no id the import gives otherwise has it (suffixes there are digits or a hex hash).
  const copy: KnowledgePoint = { ...kp, id: `${kp.id}-x${stableHash(`${from}\u0001${to}`).slice(0, 6)}`, codes };
  delete copy.effectiveFrom;
  delete copy.effectiveTo;
  if (from) copy.effectiveFrom = from;
  if (to) copy.effectiveTo = to;
  return copy;
}
