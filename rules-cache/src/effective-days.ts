import type { KnowledgePoint } from '@prealert/core';
import { parseLocalTime } from '@prealert/core';

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
