/**
 * A request's date fields read as wall-clock minutes, an error naming the field when one is malformed. Separate from
 * dates.ts, which parses text and knows nothing of fields or errors.
 */

import type { FieldError } from '../envelope/validate';
import { isUnsentDate, type LocalTime, localTimeOfMinutes, parseLocalMinutes } from './dates';
import { type FieldAt, invalidDate } from './field-errors';

// The lines of one request mostly share a handful of timestamps: remembering the last one parsed saves the parse.
let lastText = '';
let lastMinutes = Number.NaN;

/** Minutes of a date field; NaN when absent (empty), recording an error when present but malformed. */
export function minutesOf(raw: unknown, where: FieldAt, errors: FieldError[]): number {
  if (raw === undefined || raw === null || raw === '') return Number.NaN;
  const value = typeof raw === 'string' ? raw : String(raw);
  if (value === lastText) return lastMinutes;
  let minutes = parseLocalMinutes(value);
  if (!Number.isNaN(minutes)) {
    lastText = value;
    lastMinutes = minutes;
    return minutes;
  }
  if (Number.isNaN(minutes)) {
    const trimmed = value.trim();
    if (trimmed === '') return Number.NaN;
    minutes = parseLocalMinutes(trimmed);
    if (Number.isNaN(minutes)) invalidDate(value, where, errors);
  }
  return minutes;
}

/**
 * An optional date field (drord_stop_date): a date sent to mean none (9999-12-31, the zero date 0000-00-00;
 * isUnsentDate) is not sent, as "" is. A zero date in a required field stays an error naming it (minutesOf).
 */
export function optionalMinutesOf(raw: unknown, where: FieldAt, errors: FieldError[]): number {
  return isUnsentDate(raw) ? Number.NaN : minutesOf(raw, where, errors);
}

export function time(raw: unknown, where: FieldAt, errors: FieldError[]): LocalTime | undefined {
  const minutes = minutesOf(raw, where, errors);
  return Number.isNaN(minutes) ? undefined : localTimeOfMinutes(minutes);
}
