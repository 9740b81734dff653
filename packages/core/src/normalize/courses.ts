import type { Line } from './normalized-types';

/**
 * A 临时 (long_drord_flag 0) line whose stop date runs it past its begin day, outside an admission (or a 出院带药 line,
 * isTakeHome, anywhere): a course of care billed on one line (a 长处方 of 59 days, a month of home peritoneal dialysis,
 * 12 weekly sessions, a week's supply taken home), its cnt and sumamt the whole course's. An outpatient prescription is no 长期医嘱 (long_drord_flag 0), so its stop date is the
 * only thing that tells a course from one day's use: read as one day, a 59-day 长处方 of a 20-day drug passed, and a
 * month of dialysis was 30 days' worth on its first day. In an admission a 临时医嘱 is given once and its stop date is
 * the HIS's stamp (some stamp every one the next day, or the day its execution was recorded): it stays a one-off.
 * A stop on the begin day is no course anywhere.
 */
export function isCourse(line: Line): boolean {
  return line.stopDated && line.dto.long_drord_flag !== '1';
}
