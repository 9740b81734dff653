/**
 * The days a card's lines were ordered on. A result's detail row names a line by rx_id only; its day is the order
 * line's drord_begn_date (医嘱开始日期, spec 3101-3103.md), which the host may give with the line's label or the widget
 * finds in the request show() was given.
 */

/** A calendar day, as "yyyy-MM-dd" (which sorts as the days do). */
export type LineDay = string;

const DASHED = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:\d{6})?$/;

/**
 * The day of a date as the national interface sends it: the forms core reads (normalize/dates.ts parseLocalMinutes:
 * "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss" also with "T" and ".SSS", "yyyyMMdd", "yyyyMMddHHmmss"). Anything else, or a day
 * the calendar has not (02-30), is no day: the card then names none rather than a wrong one.
 */
export function dayOf(value: unknown): LineDay | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  const match = DASHED.exec(text) ?? COMPACT.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // Date.UTC rolls 02-30 over into March: the day is real only when it reads back the same.
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1800 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${match[1]}-${match[2]}-${match[3]}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The sidecar takes a single object where a list belongs, and "" for an empty list: so does this. */
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : isRecord(value) ? [value] : []);

/**
 * rx_id → day of every line a 3101/3102 request (its `input` or `data`) sends with a readable drord_begn_date, by
 * encounter (mdtrt_id). A repeated rx_id keeps its first line's day, as the sidecar keeps its first line's name.
 */
export function requestLineDays(request: unknown): Map<string, Map<string, LineDay>> {
  const byEncounter = new Map<string, Map<string, LineDay>>();
  const data = isRecord(request) && isRecord(request.data) ? request.data : request;
  if (!isRecord(data)) return byEncounter;
  for (const patient of listOf(data.patient_dtos)) {
    if (!isRecord(patient)) continue;
    for (const encounter of listOf(patient.fsi_encounter_dtos)) {
      if (!isRecord(encounter)) continue;
      const mdtrtId = String(encounter.mdtrt_id ?? '').trim();
      const days = byEncounter.get(mdtrtId) ?? new Map<string, LineDay>();
      for (const order of listOf(encounter.fsi_order_dtos)) {
        if (!isRecord(order)) continue;
        const rxId = typeof order.rx_id === 'string' || typeof order.rx_id === 'number' ? String(order.rx_id) : '';
        const day = dayOf(order.drord_begn_date);
        if (rxId !== '' && day !== undefined && !days.has(rxId)) days.set(rxId, day);
      }
      byEncounter.set(mdtrtId, days);
    }
  }
  return byEncounter;
}

/** What a span of days reads as: on screen, and to a screen reader (which reads 「09-03」 as digits and a dash). */
export interface DaySpan {
  shown: string;
  spoken: string;
}

/**
 * 「09-03 至 09-18」, one day 「09-03」, across years 「2026-12-28 至 2027-01-03」 (a stay over New Year: the month and day
 * alone would read backwards). Undefined when a line has no known day: a span of the others may be too short.
 */
export function daySpan(days: readonly (LineDay | undefined)[]): DaySpan | undefined {
  if (days.length === 0) return undefined;
  let first: LineDay | undefined;
  let last: LineDay | undefined;
  for (const day of days) {
    if (day === undefined) return undefined;
    if (first === undefined || day < first) first = day;
    if (last === undefined || day > last) last = day;
  }
  if (first === undefined || last === undefined) return undefined;
  const sameYear = first.slice(0, 4) === last.slice(0, 4);
  const shownDay = (day: LineDay) => (sameYear ? day.slice(5) : day);
  const spokenDay = (day: LineDay) =>
    `${sameYear ? '' : `${day.slice(0, 4)}年`}${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;
  if (first === last) return { shown: shownDay(first), spoken: spokenDay(first) };
  return { shown: `${shownDay(first)} 至 ${shownDay(last)}`, spoken: `${spokenDay(first)}至${spokenDay(last)}` };
}
