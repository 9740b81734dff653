import type { EncounterDto } from '../envelope/national-types';
import { isUnsentDate, parseLocalMinutes } from './dates';

function dayOf(raw: unknown): number {
  if (raw === undefined || raw === null || isUnsentDate(raw)) return Number.NaN;
  const minutes = parseLocalMinutes(String(raw).trim());
  return Number.isNaN(minutes) ? Number.NaN : Math.floor(minutes / 1440);
}

/** The calendar day of dscg_date; NaN when not sent, sent to mean none (9999-12-31, the zero date) or unreadable. */
export function dischargeDayOf(dto: EncounterDto): number {
  return dayOf(dto.dscg_date);
}

/**
 * The instant the patient left, in wall-clock minutes: dscg_date when it is a real discharge (a day later than
 * `admissionDay`, openRunEnd's reading) sent with a time of day. NaN otherwise: a date alone, or 00:00, does not say
 * when in its day he left.
 */
export function dischargeInstantOf(dto: EncounterDto, admissionDay: number): number {
  const raw = dto.dscg_date;
  if (raw === undefined || raw === null || isUnsentDate(raw)) return Number.NaN;
  const minutes = parseLocalMinutes(String(raw).trim());
  if (!(Math.floor(minutes / 1440) > admissionDay) || minutes % 1440 === 0) return Number.NaN;
  return minutes;
}

/**
 * The day a copy's patient left: its dscg_date's day when that is later than its adm_date's, the reading of a
 * discharge that openRunEnd uses (S-01 fills dscg_date with adm_date for a patient still in hospital, S-03 with
 * 9999-12-31); NaN otherwise.
 */
function realDischargeDay(dto: EncounterDto, admissionDay: number): number {
  const discharge = dischargeDayOf(dto);
  return discharge > admissionDay ? discharge : Number.NaN;
}

/**
 * The copies of one mdtrt_id (`positions` in fsi_encounter_dtos, in list order) as the admissions they show, the
 * earliest first, each in list order. A HIS that numbers its 住院号 per patient sends a readmission under the id of
 * the stay before it; merged, the earlier stay's days counted toward the new one's 单次住院 limit (「本次住院已用药 4
 * 天（2026-11-20 起）」 on the first dose of an admission of 11-29) and its answers stood for the new stay's questions.
 * Copies are two admissions only when the request shows it: different admission days, and every copy admitted before
 * the later day has a real discharge (realDischargeDay) on or before it. Anything less clear (the same day, an
 * earlier copy with no discharge, an overlap, an unreadable adm_date) is one encounter, as a HIS that appends the
 * current visit to its history list sends it (normalizeEncounter); then `positions` itself is the one admission.
 */
export function admissionsOf(dtos: readonly EncounterDto[], positions: readonly number[]): (readonly number[])[] {
  if (positions.length < 2) return [positions];
  const admitted = positions.map((p) => dayOf(dtos[p]!.adm_date));
  if (admitted.some(Number.isNaN)) return [positions];
  const days = [...new Set(admitted)].sort((a, b) => a - b);
  if (days.length < 2) return [positions];
  const admissions: number[][] = [];
  let admission: number[] = [];
  // The last day the copies gathered in `admission` show the patient in hospital; NaN while one of them shows no
  // discharge, which keeps every later copy in the same admission.
  let left = Number.NEGATIVE_INFINITY;
  for (const day of days) {
    if (admission.length > 0 && left <= day) {
      admissions.push(admission);
      admission = [];
      left = Number.NEGATIVE_INFINITY;
    }
    // Several copies of one admission day are one admission: its discharge is the latest any of them shows (a copy
    // sent before the discharge still carries S-01's filler).
    let dayLeft = Number.NaN;
    for (let i = 0; i < positions.length; i++) {
      if (admitted[i] !== day) continue;
      admission.push(positions[i]!);
      const discharge = realDischargeDay(dtos[positions[i]!]!, day);
      if (!Number.isNaN(discharge) && !(discharge <= dayLeft)) dayLeft = discharge;
    }
    left = Number.isNaN(dayLeft) ? Number.NaN : Math.max(left, dayLeft);
  }
  if (admissions.length === 0) return [positions];
  admissions.push(admission);
  for (const a of admissions) a.sort((x, y) => x - y);
  return admissions;
}
