import { readAmountStatusCode, readItemTypeCode, readSeverityCode } from '@prealert/core';
import { isRecord } from './is-record';
import type { AnalyzedResult, JudgeResultDetailDto } from './types';

/*
 * Environment-free (no Node, no DOM), as is is-record.ts: the widget bundles this same module (`@prealert/client/
 * read-result`), so the SDK's parseAnswer and <prealert-reminder>'s show() read a 3101/3102 result by one rule.
 */

/** The spec allows a single object where it says 集合, and null for "nothing". */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** A text field as national clients send it: a string, or a number some engines send for a code. */
const text = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';

/**
 * An amount, a number or its digits ("58.00"). Missing, blank or unreadable is NaN, never 0: a made-up ¥0.00 would
 * read as "costs nothing" on the card and in a HIS's sum, where NaN shows the gap (the widget prints no amount).
 */
export const readAmount = (value: unknown): number => {
  if (typeof value !== 'number' && (typeof value !== 'string' || value.trim() === '')) return Number.NaN;
  const amount = Number(value);
  return Number.isFinite(amount) ? amount : Number.NaN;
};

/**
 * An amount as a warning card shows it: 「¥380.00」, and '' where there is none to show. None is an amount the answer
 * did not carry or that could not be read (NaN from readAmount: never 「¥NaN」) and an amount of 0: a result with no
 * amount at stake (the data-quality checks' 结算明细信息异常 or 疾病诊断编码异常) printed 「¥0.00」, which a doctor read
 * as "this costs nothing". So is one that prints as 0.00 (0.004): the same 「¥0.00」 by another road. A negative amount
 * is none too: the national vola_amt is ≥ 0, so 「¥-5.00」 is a HIS's or a gateway's slip, and a minus sign on a card
 * reads as money coming back. Here, not in the widget: <prealert-reminder>'s card and a HIS's own card show one way.
 */
export const formatAmount = (amount: number | undefined): string => {
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) return '';
  const yuan = amount.toFixed(2);
  return yuan === '0.00' ? '' : `¥${yuan}`;
};

/**
 * vola_item_type as its code however sent (1 or "1", 违规项; 2 or "2", 涉及项); anything else is 1, a 违规项. One reading for
 * readResult and the line helpers (order-lines.ts), so a HIS that gives them a raw result gets the lines analyze() would.
 */
export const readItemType = (value: unknown): '1' | '2' => readItemTypeCode(value) ?? '1';

/** sev_deg as its code however sent (2, "2", 高度可疑); anything else is 3, as readResult and the line helpers read it. */
export const readSeverity = (value: unknown): '1' | '2' | '3' => readSeverityCode(value) ?? '3';

function readDetail(raw: unknown): JudgeResultDetailDto | undefined {
  if (!isRecord(raw)) return undefined;
  return {
    // Unknown fields stay: prealert's same_item_rows on a 涉及项 row standing for others of its item.
    ...raw,
    jrd_id: text(raw.jrd_id),
    patn_id: text(raw.patn_id),
    mdtrt_id: text(raw.mdtrt_id),
    rx_id: text(raw.rx_id),
    vola_item_type: readItemType(raw.vola_item_type),
    vola_amt: readAmount(raw.vola_amt),
  };
}

/**
 * One 3101/3102 result made safe to use, however the sender shortened or spelled it; undefined without a jr_id (the
 * warning can then be neither told apart nor answered: each caller decides what that costs). Texts missing become '',
 * detail rows missing become none, an amount missing becomes NaN; the coded fields sent as numbers or as their labels
 * (明确违规, 异常, 涉及项: result-codes.ts) are read as their codes, an unknown severity as 3, an unknown amount status as
 * 1 (正常) and an unknown detail type as 1 (违规项); a missing `wf_impact` is
 * `reason`, since national engines do not send it and the national practice is "continuing needs a reason".
 * prealert's extensions (prior_dspo, dspo_way, prior_visit_rea …) are kept as sent.
 */
export function readResult(raw: unknown): AnalyzedResult | undefined {
  if (!isRecord(raw) || typeof raw.jr_id !== 'string' || raw.jr_id === '') return undefined;
  const impact = text(raw.wf_impact);
  const details = asArray(raw.judge_result_detail_dtos)
    .map(readDetail)
    .filter((d): d is JudgeResultDetailDto => d !== undefined);
  // A result read before (the SDK's, given to the widget) is judged again by its rows, not by its old mark.
  const { linesOmitted: _earlier, ...sent } = raw;
  const result: AnalyzedResult = {
    ...(sent as Partial<AnalyzedResult>),
    jr_id: raw.jr_id,
    rule_id: text(raw.rule_id),
    rule_name: text(raw.rule_name),
    vola_cont: text(raw.vola_cont),
    patn_id: text(raw.patn_id),
    mdtrt_id: text(raw.mdtrt_id),
    judge_result_detail_dtos: details,
    vola_amt: readAmount(raw.vola_amt),
    vola_amt_stas: readAmountStatusCode(raw.vola_amt_stas) ?? '1',
    sev_deg: readSeverity(raw.sev_deg),
    vola_evid: text(raw.vola_evid),
    vola_bhvr_type: text(raw.vola_bhvr_type),
    task_id: text(raw.task_id),
    wf_impact: impact === 'notice' || impact === 'confirm' || impact === 'block' ? impact : 'reason',
    kp_id: text(raw.kp_id),
  };
  if (!details.some((d) => d.vola_item_type === '1' && d.rx_id !== '')) result.linesOmitted = true;
  return result;
}
