/**
 * One patient_dtos entry read into a Patient: its encounters (copies of one mdtrt_id merged, a reused one split by
 * admission), which of them is current, and the end of the open orders of the others.
 */

import type { EncounterDto, PatientDto } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import { admissionsOf } from './admissions';
import { time } from './date-fields';
import { formatDay, type LocalTime } from './dates';
import type { OpenLineReading } from './day-charges';
import { normalizeEncounter } from './encounter-normalization';
import { at, here, pathOf } from './field-errors';
import { text } from './field-text';
import type { Patient } from './normalized-types';
import { endOpenOrders } from './open-order-runs';
import { sexOf } from './sex-code';

export function normalizePatient(
  dto: PatientDto,
  now: LocalTime,
  reading: OpenLineReading,
  index: number,
  errors: FieldError[],
  /** Collects NormalizedRequest.reusedMdtrtIds. */
  reused: string[],
): Patient {
  here.patient = index;
  here.encounter = -1;
  const patient: Patient = {
    id: dto.patn_id,
    sex: sexOf(dto.gend),
    gend: dto.gend,
    birth: time(dto.brdy, at(-1, 'brdy'), errors),
    encounters: [],
    lines: [],
  };
  // Born after the request: a wrong date, not a patient of -1 years (every age limit would decide on it).
  if (patient.birth !== undefined && patient.birth.day > now.day) {
    errors.push({
      path: pathOf(at(-1, 'brdy')),
      message: `出生日期 ${String(dto.brdy)} 晚于请求日期 ${formatDay(now.day)}`,
    });
  }
  const encounters = dto.fsi_encounter_dtos;
  // The same encounter listed again (a HIS that appends the current visit to its history list) is one encounter,
  // read from all its copies (normalizeEncounter): read twice, its quantities were added up twice (住院诊查费 1 a day
  // became 2) and its results came twice; its first copy alone, a new order in the second went unchecked. Copies of
  // one mdtrt_id that show two admissions are not (admissionsOf, below).
  const copies = copiesById(encounters);
  // Only the encounter named by curr_mdtrt_id can hold current lines; lines of earlier encounters sent for history are
  // context whatever their flag says. With one encounter it is the current one whatever curr_mdtrt_id says; with
  // several, one it does not name (missing, empty, or another id) leaves no way to tell today's orders from a
  // 10-day-old visit's, and reading every one as current flagged history as today's violations: refused, naming the
  // field, so the vendor sees it at integration (§2.3: required, "应等于某个 fsi_encounter_dtos.mdtrt_id").
  const curr = text(dto.curr_mdtrt_id);
  const several = copies.size > 1;
  if (several && !copies.has(curr)) {
    errors.push({
      path: pathOf(at(-1, 'curr_mdtrt_id')),
      message: `当前就诊标识 "${curr}" 不是本参保人 fsi_encounter_dtos 中任何一次就诊的 mdtrt_id（${listed([...copies.keys()])}）；传了多次就诊时必须指明当前就诊`,
    });
  }
  for (const [id, positions] of copies) {
    // Copies that show two admissions (a 住院号 reused for a readmission) are two encounters: only the latest can be
    // the current one, and an earlier one is history as an earlier encounter under another id is.
    const admissions = admissionsOf(encounters, positions);
    for (let a = 0; a < admissions.length; a++) {
      const encounter = normalizeEncounter(encounters, admissions[a]!, patient, now, reading, errors);
      here.encounter = -1;
      const earlierAdmission = a < admissions.length - 1;
      if (a > 0) {
        encounter.laterAdmissionDay = encounter.admDay;
        reused.push(pathOf({ patient: index, encounter: admissions[a]![0]!, order: -1, field: 'mdtrt_id' }));
      }
      if ((several && id !== curr) || earlierAdmission) {
        for (const line of encounter.lines) line.current = false;
        encounter.hasCurrent = false;
      }
      if (!encounter.hasCurrent && (several || earlierAdmission)) endOpenOrders(encounter, now.day);
      patient.encounters.push(encounter);
      // One encounter (the usual request): the patient's lines are its lines, shared; nothing edits either list later.
      if (encounters.length === 1) patient.lines = encounter.lines;
      else for (const line of encounter.lines) patient.lines.push(line);
    }
  }
  return patient;
}

/** A few ids for a message: a stay sent with its whole history can list hundreds. */
function listed(ids: readonly string[]): string {
  return ids.length <= 5 ? ids.join('、') : `${ids.slice(0, 5).join('、')} 等 ${ids.length} 次`;
}

/** mdtrt_id → the positions of its entries in fsi_encounter_dtos, in the order the encounters were first listed. */
function copiesById(encounters: readonly EncounterDto[]): Map<string, number[]> {
  const copies = new Map<string, number[]>();
  for (let i = 0; i < encounters.length; i++) {
    const positions = copies.get(encounters[i]!.mdtrt_id);
    if (positions === undefined) copies.set(encounters[i]!.mdtrt_id, [i]);
    else positions.push(i);
  }
  return copies;
}
