/**
 * Which open long-term lines are one day's charge and which are the doctor's running orders (endDayCharges), read once
 * an encounter's lines are all in: it compares the lines of a code with one another.
 */

import type { Line } from './normalized-types';
import type { OrderLine } from './order-line';
import { isReversal } from './reversals';

/**
 * How open long-term lines (no stop date) are read (endDayCharges): each as one day's charge (a 3102's fee details),
 * or, in a 3101, as the doctor's running orders unless the lines of a code show a charge series.
 */
export type OpenLineReading = 'orders' | 'charges';

/**
 * Long-term lines that are one day's charge, not an open order, count on their begin day only. A 3102 (明细审核事中分析)
 * sends fee details, and the charge of a long-term order (床位费, 重症监护 charged each day) keeps the flag and has no
 * stop date: stretched to the request day, the ICU's 重症监护 of 11-20..22 met the ward's 口腔护理 on every later day, and
 * a drug charged for 7 days and restarted 13 days later was 20 days of use. Some HIS upload fees as 3101 too, but no
 * trig_scen tells them apart: 4 (住院收费登记) is S-01's fee upload and the inpatient doctor station's scene at S-15,
 * S-04 and S-03 (spec §5.3). So a 3101 shows a charge series by its lines: open lines of one code of which two begin on
 * consecutive days are daily charges (a fee system charges a running order every day; a doctor does not write a new
 * open order of the same item every day), and every open line of that code counts its own begin day. Otherwise they
 * are orders: an open order of 11-01 sent with today's line of it is a course of 20 days, and two open bed orders add
 * up. The price: two open orders of one code a doctor did begin on consecutive days read as charges.
 */
export function endDayCharges(lines: readonly Line[], reading: OpenLineReading): void {
  if (reading === 'charges') {
    for (const line of lines) if (isOpenOrder(line)) endAsCharge(line);
    return;
  }
  // Code → the begin days of its open long-term lines; most encounters have few, and many none.
  let daysByCode: Map<string, Set<number>> | undefined;
  for (const line of lines) {
    if (!isOpenOrder(line)) continue;
    daysByCode ??= new Map();
    const days = daysByCode.get(line.code);
    if (days === undefined) daysByCode.set(line.code, new Set([line.beginDay]));
    else days.add(line.beginDay);
  }
  if (daysByCode === undefined) return;
  const series = new Set<string>();
  for (const [code, days] of daysByCode) {
    for (const day of days) {
      if (days.has(day + 1)) {
        series.add(code);
        break;
      }
    }
  }
  // Code → its open order: the earliest-begun open line of a code that is no charge series.
  const orders = new Map<string, Line>();
  for (const line of lines) {
    if (!isOpenOrder(line)) continue;
    if (series.has(line.code)) {
      endAsCharge(line);
      continue;
    }
    const order = orders.get(line.code);
    if (order === undefined || line.beginMinutes < order.beginMinutes) orders.set(line.code, line);
  }
  // Every other open line of the code begins while that order runs: the nurse station's execution of it (spec §2.6
  // recommends sending the running 长期医嘱 as context with the day's new lines) or a fee system's charge of it. It is
  // the order's use on its day, not a second order running beside it: read so, an order begun 11-28 and the day's
  // execution were two beds, two 护理 and 48 h of 心电监测 at sev 1 from the third day on (on the second they were a
  // charge series and silent). **The price:** a second open order of the item a doctor did write while the first
  // runs counts only what it adds beyond the first's day quantity (checks/max-qty-per-period.ts).
  for (const line of lines) {
    const order = isOpenOrder(line) ? orders.get(line.code) : undefined;
    if (order === undefined || order === line) continue;
    endAsCharge(line);
    (line as OrderLine).executes = order;
  }
}

/** A long-term line with no stop date that takes nothing back: an open order, or (endDayCharges) a day's charge. */
function isOpenOrder(line: Line): boolean {
  return line.dto.long_drord_flag === '1' && !line.stopDated && !isReversal(line);
}

function endAsCharge(line: Line): void {
  line.dayCharge = true;
  line.lastDay = line.beginDay;
}
