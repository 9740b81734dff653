import { type AnalysisInput, civilFromDays, type JudgeResultDto, parseLocalMinutes } from '@prealert/core';
import { flaggedRxIds } from './flagged-lines';

/** The task row's line_dates as stored: JSON {rx_id: "yyyy-MM-dd"}. */
export type LineDates = string;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "yyyy-MM-dd" of a date field as core reads it (parseLocalMinutes); undefined when it reads none. */
function dayText(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const minutes = parseLocalMinutes(String(raw).trim());
  if (Number.isNaN(minutes)) return undefined;
  const { year, month, dayOfMonth } = civilFromDays(Math.floor(minutes / 1440));
  return `${pad(year, 4)}-${pad(month)}-${pad(dayOfMonth)}`;
}

/**
 * The day each line the results flag or involve was ordered on (drord_begn_date), as the request sent it. A result's
 * detail row carries no date, and a long stay's card groups an item's daily lines (the reminder page shows
 * 「16 条违规项（09-03 至 09-18）」). The day only, not the time: that is all the page shows. A line whose date core
 * cannot read has none here (core answered it with an error naming the field, or, when the field is empty, read the
 * line as of the encounter's time: not the line's own day). Undefined when no line has one, at no cost for an answer
 * without results (most of them).
 */
export function lineDatesOf(input: AnalysisInput, results: readonly JudgeResultDto[]): LineDates | undefined {
  const wanted = flaggedRxIds(results);
  if (wanted.size === 0) return undefined;
  const byRxId: Record<string, string> = {};
  let any = false;
  for (const patient of input.data.patient_dtos) {
    for (const encounter of patient.fsi_encounter_dtos) {
      for (const order of encounter.fsi_order_dtos) {
        // A repeated rx_id (the spec says it must not be) keeps its first line's day, as line_names its name.
        if (!wanted.delete(order.rx_id)) continue;
        const day = dayText(order.drord_begn_date);
        if (day !== undefined) {
          byRxId[order.rx_id] = day;
          any = true;
        }
        if (wanted.size === 0) break;
      }
    }
  }
  return any ? JSON.stringify(byRxId) : undefined;
}
