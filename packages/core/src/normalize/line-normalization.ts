/** One fsi_order_dtos entry read into a Line (an OrderLine): its code, times, last day of run, quantity and amount. */

import type { OrderDto } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import { codeHashOf } from '../library/code-index';
import { foldCode } from './code-folding';
import { minutesOf, optionalMinutesOf } from './date-fields';
import { at } from './field-errors';
import type { Encounter, Line } from './normalized-types';
import { OrderLine } from './order-line';
import { isAdmission } from './visit-codes';

/** An upper-case letter or a digit: how every national code begins and ends. */
function isCodeEdge(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/**
 * The line's code, made canonical only when its ends show it needs it: O(1) on the lines real clients send (a
 * padded, lower-case or full-width code has a space, a lower-case letter or a wide character at an end).
 */
function lineCode(raw: string | undefined): string {
  const code = raw ?? '';
  if (code === '' || (isCodeEdge(code.charCodeAt(0)) && isCodeEdge(code.charCodeAt(code.length - 1)))) return code;
  return foldCode(code);
}

/**
 * The last calendar day an order stopped at `stopMinutes` ran on. A stop at 00:00 of a day, with its time sent, ended
 * the order at the start of that day: 11-18 08:00 to 11-21 00:00:00 ran on the 18th, 19th and 20th, and counting the
 * 21st spread its cnt over a day it never ran on. A stop sent as a date alone ("2026-11-21") names the day it was
 * stopped on, not an instant, so that day still counts.
 */
function lastDayOfRun(stopMinutes: number, raw: unknown): number {
  const day = Math.floor(stopMinutes / 1440);
  if (stopMinutes !== day * 1440) return day;
  const text = typeof raw === 'string' ? raw.trim() : '';
  // "yyyy-MM-dd" and "yyyyMMdd" have no time of day; every form with one is longer.
  return text.length > 10 ? day - 1 : day;
}

/** ajv has already coerced the declared fields to strings/numbers; `?? ''` is all the defaulting they need. */
export function normalizeLine(
  dto: OrderDto,
  index: number,
  order: number,
  encounter: Encounter,
  fallbackMinutes: number,
  /** The last day an open long-term order can have run on (openRunEnd). */
  openEnd: number,
  errors: FieldError[],
): Line {
  let beginMinutes = minutesOf(dto.drord_begn_date, at(order, 'drord_begn_date'), errors);
  if (Number.isNaN(beginMinutes)) beginMinutes = fallbackMinutes;
  const stopMinutes = optionalMinutesOf(dto.drord_stop_date, at(order, 'drord_stop_date'), errors);
  const beginDay = Math.floor(beginMinutes / 1440);
  const stopDay = lastDayOfRun(stopMinutes, dto.drord_stop_date);
  // A long-term order runs until its stop date, or while it has none, up to the request day (the discharge day of a
  // patient who has left); a one-off order counts its begin day only. A 临时 line stopped on a later day outside an
  // admission, or a 出院带药 line stopped on a later day anywhere, is a course (isCourse) and runs to its stop day.
  const long = dto.long_drord_flag === '1';
  let lastDay = beginDay;
  if (long) {
    if (Number.isNaN(stopMinutes)) lastDay = Math.max(openEnd, beginDay);
    else if (stopDay > beginDay) lastDay = stopDay;
  } else if (stopDay > beginDay && (isTakeHome(dto) || !isAdmission(encounter.medMdtrtType, encounter.medType)))
    lastDay = stopDay;
  // cnt is required (数量) but not always sent. An order line is at least one unit, so a line without it counts as 1
  // for the quantity limits (a lower bound: what exceeds with 1 exceeds with any real count), and an amount that
  // needs the count is not known (vola_amt_stas 0). Counting it as 0 hid the line from every frequency limit.
  const qtySent = dto.cnt !== undefined;
  const qty = dto.cnt ?? 1;
  const price = dto.pric ?? 0;
  const priceKnown = dto.pric !== undefined && qtySent;
  const code = lineCode(dto.hilist_code);
  return new OrderLine(
    index,
    dto.rx_id,
    dto.rxno ?? '',
    code,
    codeHashOf(code),
    dto.hilist_type ?? '',
    qty,
    price,
    dto.sumamt ?? (priceKnown ? Math.round(qty * price * 100) / 100 : 0),
    dto.sumamt !== undefined || priceKnown,
    priceKnown,
    beginMinutes,
    beginDay,
    lastDay,
    long ? !Number.isNaN(stopMinutes) : lastDay > beginDay,
    // A stop at 00:00 is the end of the day before it, or (sent as a date alone) of its own day: stopDay ends there.
    stopMinutes % 1440 === 0 ? (stopDay + 1) * 1440 : stopMinutes,
    false,
    dto.curr_drord_flag !== '0',
    dto.drord_dept_codg || encounter.deptCode,
    dto.drord_dr_codg || encounter.doctorCode,
    encounter,
    dto,
  );
}

/**
 * 出院带药 (drord_bhvr 1, spec §2.6): the drug the patient takes home at discharge. Its stop date is the last day of
 * the supply, not a HIS's stamp of when a 临时医嘱 was given, so even in an admission it runs to that day (rules.md
 * max_pay_days: drord_begn_date..drord_stop_date). Read as a one-off, 9 days of 注射用七叶皂苷钠 (支付不超过10天) on
 * the ward and 7 more taken home were 9 days, and the fund paid 6 days beyond the limit without a word.
 */
function isTakeHome(dto: OrderDto): boolean {
  return String(dto.drord_bhvr ?? '').trim() === '1';
}
