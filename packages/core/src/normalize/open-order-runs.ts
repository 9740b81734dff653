/** How long an open long-term order (no stop date) ran: to the request day, or to its encounter's discharge. */

import type { EncounterDto } from '../envelope/national-types';
import { dischargeDayOf } from './admissions';
import type { Encounter } from './normalized-types';
import type { OrderLine } from './order-line';

/**
 * The last day an open long-term order of the encounter in hand can have run on: the request day, or the discharge
 * day when the patient has left. A discharge is a dscg_date on a later day than adm_date: S-01 fills dscg_date with
 * adm_date for a patient still in hospital (spec §2.4 #11) and S-03 with 9999-12-31, so a dscg_date on the admission
 * day cannot tell a same-day discharge from "still here" and ends nothing (the price: a patient admitted and
 * discharged on one day, asked about on a later day, has his open orders counted to that day). Counted to the
 * request day, a 3-day 重组人脑利钠肽 course of a patient discharged on 11-27 was "已用药 6 天" at sev 1 on 11-30.
 */
export function openRunEnd(dto: EncounterDto, admDay: number, today: number): number {
  const dischargeDay = dischargeDayOf(dto);
  return dischargeDay > admDay && dischargeDay < today ? dischargeDay : today;
}

/**
 * An earlier encounter sent for history: its long-term orders without a stop date ran until it ended, not until
 * today (normalizeLine's reading for the encounter in hand). They end on its discharge day when that is a real day
 * between their begin day and today, else on their begin day: counting an open order of a 2024 admission as running
 * ever since made a new stroke's first dose day 995 of one course, and an old ICU order meet today's oral care.
 */
export function endOpenOrders(encounter: Encounter, today: number): void {
  // 9999-12-31 (S-03's "still in hospital") and the zero date are no discharge, as in drord_stop_date.
  const dischargeDay = dischargeDayOf(encounter.dto);
  for (const line of encounter.lines) {
    const dto = line.dto;
    if (dto.long_drord_flag !== '1' || line.stopDated || line.dayCharge) continue;
    (line as OrderLine).lastDay = dischargeDay >= line.beginDay && dischargeDay <= today ? dischargeDay : line.beginDay;
  }
}
