import type { Line } from './normalized-types';

/**
 * A reversal (冲销/退费/退差价) line: negative quantity or amount. A HIS sends one to cancel an earlier charge, as its
 * own line with its own rx_id; settlement data (3102) carries them routinely, and a HIS may send a 退药 with the
 * history.
 */
export function isReversal(line: Line): boolean {
  return line.qty < 0 || line.amount < 0;
}

/** A copy of `line` with less of it left: its quantity and amount after part was reversed. */
export type ReduceLine = (line: Line, qty: number, amount: number) => Line;

interface Left {
  qty: number;
  amount: number;
}

/**
 * An encounter's lines with its reversals applied. A reversal is not an order: flagged, it became a reminder of
 * negative amount (and its 3103 a 遵从 of nothing), and counted, it added a day of use or a charge that did not
 * happen. Each reversal instead takes what it reverses off the charges of its code it can have cancelled, and a
 * charge wholly reversed is gone, so the line that was cancelled is not reminded either:
 *
 * - which charges: the one with its own rx_id, if any; then the charges of its day up to its time (the same
 *   quantity first, then the latest); then the rest of its day (a date-only reversal reads as midnight), charges
 *   already made before the doctor's current ones; then earlier days, the latest first. Never a later day's charge.
 * - how much: its negative quantity, with the amount that goes with it; a reversal without one (cnt not sent, 0 or
 *   positive) is an amount only (退差价): it lowers amounts and removes a charge only once nothing of its amount is
 *   left.
 * - a long-term order running over several days is never reduced: one day's dose returned cannot be told from the
 *   days it ran, and erasing the order would hide every day of it from the limits.
 *
 * Whatever a reversal cannot find to cancel is dropped. The lines keep their order. Charges are grouped by code and
 * sorted once, so a settlement of thousands of lines costs a walk per reversal, not a search of every line.
 */
export function netReversals(lines: readonly Line[], reduce: ReduceLine): Line[] {
  const left = new Map<Line, Left>();
  const byCode = new Map<string, Line[]>();
  const byRxId = new Map<string, Line>();
  for (const line of lines) {
    if (isReversal(line) || !cancellable(line)) continue;
    left.set(line, { qty: line.qty, amount: line.amount });
    const same = byCode.get(line.code);
    if (same === undefined) byCode.set(line.code, [line]);
    else same.push(line);
    if (line.rxId !== '') byRxId.set(line.rxId, line);
  }
  for (const charges of byCode.values()) charges.sort((a, b) => a.beginMinutes - b.beginMinutes || a.index - b.index);
  for (const reversal of lines) {
    if (!isReversal(reversal)) continue;
    const charges = byCode.get(reversal.code);
    if (charges === undefined) continue;
    // Only a negative quantity returns units; without one (cnt not sent, 0, or positive beside a negative amount)
    // the line gives money back (退差价).
    const amountOnly = !(reversal.qty < 0) || reversal.dto.cnt === undefined;
    let rest = amountOnly ? Math.abs(reversal.amount) : Math.abs(reversal.qty);
    const own = byRxId.get(reversal.rxId);
    if (own !== undefined && own.code === reversal.code) rest = take(own, rest, amountOnly, left);
    for (const charge of cancelOrder(reversal, charges, left)) {
      if (rest <= 1e-9) break;
      rest = take(charge, rest, amountOnly, left);
    }
  }
  const netted: Line[] = [];
  for (const line of lines) {
    if (isReversal(line)) continue;
    const l = left.get(line);
    if (l === undefined) netted.push(line);
    else if (l.qty > 1e-9 && l.amount > -1e-9)
      netted.push(l.qty === line.qty && l.amount === line.amount ? line : reduce(line, l.qty, l.amount));
  }
  return netted;
}

/** A charge a reversal may cancel: not a long-term order running over more than its first day. */
function cancellable(line: Line): boolean {
  return line.dto.long_drord_flag !== '1' || line.lastDay === line.beginDay;
}

/** Takes up to `rest` (quantity, or amount when `amountOnly`) off a charge; returns what is left to take. */
function take(charge: Line, rest: number, amountOnly: boolean, left: Map<Line, Left>): number {
  const l = left.get(charge)!;
  if (l.qty <= 1e-9) return rest;
  if (amountOnly) {
    const taken = Math.min(rest, l.amount);
    l.amount = round2(l.amount - taken);
    // Nothing of its amount left: the charge was refunded whole, whatever its quantity.
    if (l.amount <= 0 && charge.amount > 0) l.qty = 0;
    return rest - taken;
  }
  const taken = Math.min(rest, l.qty);
  // The amount goes with the quantity, at the charge's own unit amount (a partial 退药 of 2 of 3 boxes).
  l.amount = round2((l.amount * (l.qty - taken)) / l.qty);
  l.qty -= taken;
  return rest - taken;
}

/** The charges of the reversal's code it may cancel, in the order it cancels them (see netReversals). */
function* cancelOrder(reversal: Line, charges: readonly Line[], left: Map<Line, Left>): Generator<Line> {
  const at = reversal.beginMinutes;
  const dayStart = reversal.beginDay * 1440;
  const firstOfDay = lowerBound(charges, dayStart);
  const afterTime = lowerBound(charges, at + 1);
  const afterDay = lowerBound(charges, dayStart + 1440);
  const magnitude = Math.abs(reversal.qty);
  const open = (c: Line) => left.get(c)!.qty > 1e-9;
  // Its day up to its time: the same quantity first, then the latest.
  for (let i = afterTime - 1; i >= firstOfDay; i--)
    if (open(charges[i]!) && left.get(charges[i]!)!.qty === magnitude) yield charges[i]!;
  for (let i = afterTime - 1; i >= firstOfDay; i--) if (open(charges[i]!)) yield charges[i]!;
  // The rest of its day: charges made before (context lines) ahead of the doctor's current order.
  for (let i = afterTime; i < afterDay; i++) if (open(charges[i]!) && !charges[i]!.current) yield charges[i]!;
  for (let i = afterTime; i < afterDay; i++) if (open(charges[i]!)) yield charges[i]!;
  // Earlier days, the latest first.
  for (let i = firstOfDay - 1; i >= 0; i--) if (open(charges[i]!)) yield charges[i]!;
}

/** The first index whose charge begins at or after `minutes`. */
function lowerBound(charges: readonly Line[], minutes: number): number {
  let lo = 0;
  let hi = charges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (charges[mid]!.beginMinutes < minutes) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
