/**
 * What the three quantity-limit checks (max-pay-days, max-qty-per-period, max-qty-per-n-days) share: how a line's cnt
 * and days of use are counted (MAX_USE_DAYS, mayCountWholeRun, QTY_EPSILON, byTime) and how the excess is flagged on a
 * hit with its amount and 涉及项 (addFlag, involveRest, involveCounted, round2).
 */

import { isCourse } from '../normalize/courses';
import type { Line } from '../normalize/normalized-types';
import type { FlaggedLine, Hit } from './hit';

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function byTime(a: Line, b: Line): number {
  return a.beginMinutes - b.beginMinutes || a.index - b.index;
}

/**
 * `byPrice`: the amount is an excess quantity × pric, so it is known only where pric was sent. A line's amount is
 * capped at its sumamt: an open order counts its cnt on every day it has run (linesPerDay), so the excess of each
 * day summed on one line made a ¥100 bed line owe ¥500; no line can be charged back more than it costs.
 */
export function addFlag(hits: Hit[], line: Line, amount: number, message: string, fact: string, byPrice: boolean): Hit {
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

export function involveRest(hits: Hit[], lines: readonly Line[]): void {
  for (const hit of hits) {
    for (const line of lines) {
      if (!hit.flagged.some((f) => f.line === line) && line.encounter.patient === hit.encounter.patient)
        hit.involved.push(line);
    }
  }
}

/** Flags a line's days of use may run to: a long-term order from 1900 must not loop for a century. */
export const MAX_USE_DAYS = 4000;

/**
 * A stop-dated long-term order's cnt may be its whole run's (a course written up front: 20 vials for 20 days) only
 * when it is at least one unit for each of its `days`; less than one a day (1 bed over 3 days, 2 vials over 16 days)
 * is the day's count a HIS sent while the order was open and kept when the doctor stamped the stop. Read as the run's,
 * stopping an order turned 「累计 1 次」 into 「累计 1.33 次」 on a 转科 day and cut a pay-days amount from 40.00 to 5.00.
 * A course's cnt is always its whole run's (isCourse): a 临时 line is billed once and has no day's count to keep, so
 * 12 weekly sessions over 84 days are 12 in all, not 12 on a day.
 */
export function mayCountWholeRun(line: Line, days: number): boolean {
  return line.stopDated && days > 1 && days <= MAX_USE_DAYS && (line.qty >= days || isCourse(line));
}

/** Every unflagged line of the hit's patient that `counted` says was counted is 涉及项. */
export function involveCounted(hits: Hit[], lines: readonly Line[], counted: (line: Line) => boolean): void {
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

/** Below this a day's excess is rounding left by a count spread over several days (72 ÷ 3 × 3 ≠ 72 in floats). */
export const QTY_EPSILON = 1e-9;
