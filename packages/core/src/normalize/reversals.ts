import type { Line } from './request';

/**
 * A reversal (冲销/退费) line: negative quantity or amount. A HIS sends one to cancel an earlier charge, as its own
 * line with its own rx_id; settlement data (3102) carries them routinely, and a HIS may send a 退药 with the history.
 */
export function isReversal(line: Line): boolean {
  return line.qty < 0 || line.amount < 0;
}

/** A copy of `line` with less of it left: its quantity and amount after part was reversed. */
export type ReduceLine = (line: Line, qty: number, amount: number) => Line;

/**
 * An encounter's lines with its reversals applied. A reversal is not an order: flagged, it became a reminder of
 * negative amount (and its 3103 a 遵从 of nothing), and counted, it added a day of use or a charge that did not
 * happen. Each reversal instead takes its quantity off the charges of the same code it cancels — first one of the
 * same quantity on the same day, then the latest charges before it, then any — and a charge wholly reversed is gone,
 * so the line that was cancelled is not reminded either. Whatever a reversal cannot find to cancel is dropped. The
 * lines keep their order; nothing is allocated when there is no reversal (the caller checks first).
 */
export function netReversals(lines: readonly Line[], reduce: ReduceLine): Line[] {
  const left = new Map<Line, { qty: number; amount: number }>();
  for (const line of lines) if (!isReversal(line)) left.set(line, { qty: line.qty, amount: line.amount });
  for (const reversal of lines) {
    if (!isReversal(reversal)) continue;
    let qty = Math.abs(reversal.qty);
    for (const charge of chargesCancelledBy(reversal, lines, left)) {
      if (qty <= 0) break;
      const rest = left.get(charge)!;
      const taken = Math.min(qty, rest.qty);
      // The amount goes with the quantity, at the charge's own unit amount (a partial 退药 of 2 of 3 boxes).
      rest.amount = rest.qty > 0 ? round2((rest.amount * (rest.qty - taken)) / rest.qty) : 0;
      rest.qty -= taken;
      qty -= taken;
    }
  }
  const netted: Line[] = [];
  for (const line of lines) {
    const rest = left.get(line);
    if (rest === undefined || rest.qty <= 1e-9) continue;
    netted.push(rest.qty === line.qty ? line : reduce(line, rest.qty, rest.amount));
  }
  return netted;
}

/** The charges a reversal may cancel, in the order it cancels them. */
function chargesCancelledBy(reversal: Line, lines: readonly Line[], left: Map<Line, { qty: number }>): Line[] {
  const magnitude = Math.abs(reversal.qty);
  const open: Line[] = [];
  for (const line of lines) {
    if (line.code === reversal.code && (left.get(line)?.qty ?? 0) > 0) open.push(line);
  }
  const rank = (line: Line): number =>
    line.beginDay === reversal.beginDay && left.get(line)!.qty === magnitude
      ? 0
      : line.beginMinutes <= reversal.beginMinutes
        ? 1
        : 2;
  // Within a rank, the latest charge first: a 退药 takes back what was given last.
  return open.sort((a, b) => rank(a) - rank(b) || b.beginMinutes - a.beginMinutes || b.index - a.index);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
