import { isRecord } from './is-record';
import { asArray, readAmount, readItemType, readSeverity } from './read-result';
import type { JudgeResultDto } from './types';

/** How an order line takes part in a warning: 违规项 (the line to change) or 涉及项 (made it fire). */
export type LineRole = 'violation' | 'involved';

export interface LineWarning {
  rxId: string;
  role: LineRole;
  /** vola_amt of this line in this warning. */
  amount: number;
  result: JudgeResultDto;
}

// Read as readResult reads them: a raw result may carry a code as a number or as its label (明确违规, 涉及项), which
// compared as the text '2' made every 涉及项 row a 违规项 and sorted a labelled severity nowhere (NaN).
const severityRank = (result: JudgeResultDto): number => Number(readSeverity(result.sev_deg));
const roleOf = (detail: Record<string, unknown>): LineRole =>
  readItemType(detail.vola_item_type) === '2' ? 'involved' : 'violation';

/**
 * An rx_id as a line key: a string as sent, a number as its digits (a raw answer or a lenient request may carry
 * one); empty or anything else names no line. Not trimmed: the sidecar echoes rx_id exactly as the request gave
 * it, and warningsByLine and attachWarnings key the HIS's rows by that same text.
 */
export const rxIdText = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) || undefined : undefined;

/**
 * A result's detail rows as given. `?? []` was not enough: a result read from a raw answer (the widget's callService,
 * a provincial gateway's) may come without details, with null, or with one row sent as an object where the spec says
 * 集合 (3101-3103.md, 数组还是对象). Read as readResult reads them (asArray), so these helpers and analyze() agree.
 */
const detailsOf = (result: JudgeResultDto): Array<Record<string, unknown>> =>
  asArray(result.judge_result_detail_dtos).filter(isRecord);

/** The rx_ids a warning names, optionally only those of one role, in the order the sidecar listed them. */
export function linesOf(result: JudgeResultDto, role?: LineRole): string[] {
  const ids: string[] = [];
  for (const detail of detailsOf(result)) {
    const rxId = rxIdText(detail.rx_id);
    const detailRole = roleOf(detail);
    if (rxId !== undefined && (!role || role === detailRole) && !ids.includes(rxId)) ids.push(rxId);
  }
  return ids;
}

/** rx_id → every warning that names the line, most severe first (sev_deg 1 before 3). */
export function warningsByLine(results: readonly JudgeResultDto[]): Map<string, LineWarning[]> {
  const byLine = new Map<string, LineWarning[]>();
  for (const result of results) {
    // detailsOf and rxIdText as in linesOf: a B/S page may pass the raw answer of the widget's callService, where a
    // skeleton of a shortened answer has no detail list at all.
    for (const detail of detailsOf(result)) {
      const rxId = rxIdText(detail.rx_id);
      if (rxId === undefined) continue;
      const entry: LineWarning = {
        rxId,
        role: roleOf(detail),
        amount: readAmount(detail.vola_amt),
        result,
      };
      const list = byLine.get(rxId);
      if (list) list.push(entry);
      else byLine.set(rxId, [entry]);
    }
  }
  for (const list of byLine.values()) list.sort((a, b) => severityRank(a.result) - severityRank(b.result));
  return byLine;
}

/** rx_id → the most severe sev_deg among warnings that flag the line as 违规项 (for row colouring). */
export function worstSeverityByLine(results: readonly JudgeResultDto[]): Map<string, '1' | '2' | '3'> {
  const worst = new Map<string, '1' | '2' | '3'>();
  for (const [rxId, warnings] of warningsByLine(results)) {
    const flagged = warnings.find((w) => w.role === 'violation');
    if (flagged) worst.set(rxId, readSeverity(flagged.result.sev_deg));
  }
  return worst;
}

/**
 * Returns the HIS's own order rows with their warnings attached, rows untouched and in order.
 * Rows the sidecar did not name get an empty list, so a table can render every row the same way.
 */
export function attachWarnings<TOrder extends { rx_id: string }>(
  orders: readonly TOrder[],
  results: readonly JudgeResultDto[],
): Array<{ order: TOrder; warnings: LineWarning[] }> {
  const byLine = warningsByLine(results);
  return orders.map((order) => ({ order, warnings: byLine.get(order.rx_id) ?? [] }));
}

/** The fields of a HIS's order row that tell whether two rows under one rx_id may share it (repeatedRxIds). */
export interface OrderRow {
  rx_id: string;
  hilist_code?: unknown;
  cnt?: unknown;
  sumamt?: unknown;
}

/**
 * HIS bugs worth logging, each rx_id once: rx_ids the answer names but the request did not contain (reused from
 * another request), then rx_ids of the request that name two different rows (repeatedRxIds): a warning on one lands
 * on both in attachWarnings, so the HIS may highlight the wrong drug.
 */
export function unmatchedLines(orders: readonly OrderRow[], results: readonly JudgeResultDto[]): string[] {
  const known = new Set(orders.map((o) => o.rx_id));
  const unknown = [...warningsByLine(results).keys()].filter((rxId) => !known.has(rxId));
  return [...unknown, ...repeatedRxIds(orders)];
}

const takesBack = (row: OrderRow): boolean => Number(row.cnt) < 0 || Number(row.sumamt) < 0;
const itemOf = (row: OrderRow): string | undefined =>
  typeof row.hilist_code === 'string' && row.hilist_code.trim() !== '' ? row.hilist_code.trim() : undefined;

/**
 * rx_ids two rows share although 3101-3103.md §2.6 wants each row's own ("每行必须唯一，否则违规明细无法映射回具体医嘱").
 * Left out, as the sidecar accepts them: a refund (negative cnt or sumamt) under the rx_id of the charge it reverses,
 * and rows of the same hilist_code (one order's daily charges). Rows given without hilist_code cannot show they are
 * one item, so a repeat among them counts.
 */
export function repeatedRxIds(orders: readonly OrderRow[]): string[] {
  const firstItem = new Map<string, string | undefined>();
  const repeated = new Set<string>();
  for (const row of orders) {
    if (takesBack(row)) continue;
    const item = itemOf(row);
    if (!firstItem.has(row.rx_id)) firstItem.set(row.rx_id, item);
    else if (item === undefined || firstItem.get(row.rx_id) !== item) repeated.add(row.rx_id);
  }
  return [...repeated];
}
