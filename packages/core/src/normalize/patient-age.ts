/** The patient's age on a line's day, for the age and neonatal limits. */

import { fullYears } from './dates';
import type { Line } from './normalized-types';

/** Full years (周岁) on the line's day; undefined without a birth date. Computed only by the checks that need it. */
export function ageYearsAt(line: Line): number | undefined {
  const birth = line.encounter.patient.birth;
  // A line dated before the birth (a mother's charges sent on the newborn's record) has no age to decide on.
  return birth === undefined || line.beginDay < birth.day ? undefined : fullYears(birth, line.beginDay);
}

/** Days since birth on the line's day (neonatal limits). */
export function ageDaysAt(line: Line): number | undefined {
  const birth = line.encounter.patient.birth;
  return birth === undefined || line.beginDay < birth.day ? undefined : line.beginDay - birth.day;
}
