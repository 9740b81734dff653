/** One encounter read from its copies in fsi_encounter_dtos: its fields, and its lines read once each. */

import type { EncounterDto } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import { time } from './date-fields';
import type { LocalTime } from './dates';
import { endDayCharges, type OpenLineReading } from './day-charges';
import { diagnosisKey } from './diagnosis-code';
import { at, here, pathOf } from './field-errors';
import { text } from './field-text';
import { normalizeLine } from './line-normalization';
import type { Encounter, Line, Patient } from './normalized-types';
import { openRunEnd } from './open-order-runs';
import type { OrderLine } from './order-line';
import { isReversal, netReversals } from './reversals';
import { RxIdOwners } from './rx-ids';
import { medTypeOf, visitTypeOf } from './visit-codes';

/**
 * One encounter from its copies (`copies`: positions in fsi_encounter_dtos of the entries with its mdtrt_id that show
 * one admission, admissionsOf; the first first). A HIS that appends the current visit to its history list sends it
 * twice: the first copy's encounter fields are read, and the lines are the union: a later copy's line that repeats one
 * already read (sameLine) is read once, so quantities are not counted twice, and one that is new is added, so a new
 * current order in the second copy is checked.
 */
export function normalizeEncounter(
  dtos: readonly EncounterDto[],
  copies: readonly number[],
  patient: Patient,
  now: LocalTime,
  reading: OpenLineReading,
  errors: FieldError[],
): Encounter {
  here.encounter = copies[0]!;
  const dto = dtos[copies[0]!]!;
  const adm = time(dto.adm_date, at(-1, 'adm_date'), errors);
  const diagnoses: string[] = [];
  const main = text(dto.dscg_main_dise_codg).trim();
  if (main) diagnoses.push(main);
  for (const d of dto.fsi_diagnose_dtos ?? []) {
    const code = text(d.dise_codg).trim();
    if (code && !diagnoses.includes(code)) diagnoses.push(code);
  }
  const encounter: Encounter = {
    id: dto.mdtrt_id,
    patient,
    medMdtrtType: visitTypeOf(dto.med_mdtrt_type),
    medType: medTypeOf(dto.med_type),
    insutype: text(dto.insutype),
    medinsId: text(dto.medins_id),
    medinsLevel: text(dto.medins_lv),
    deptCode: text(dto.adm_dept_codg) || text(dto.dscg_dept_codg),
    deptName: text(dto.adm_dept_name) || text(dto.dscg_dept_name),
    doctorCode: text(dto.dr_codg),
    admDay: (adm ?? now).day,
    laterAdmissionDay: undefined,
    diagnoses,
    diagnosisKeys: diagnoses.map(diagnosisKey),
    diagnosisDtoCount: dto.fsi_diagnose_dtos?.length ?? 0,
    lines: [],
    hasCurrent: false,
    dto,
  };
  const fallback = (adm ?? now).minutes;
  // Open long-term orders run to the request day, or to the discharge day of a patient who has left (openRunEnd).
  const openEnd = openRunEnd(dto, encounter.admDay, now.day);
  const rxIds = new RxIdOwners();
  // The lines of the copies before the one in hand, by sameLine's key; only made when there is a second copy.
  let read: Map<string, Line> | undefined;
  let reversals = false;
  for (let c = 0; c < copies.length; c++) {
    const position = copies[c]!;
    here.encounter = position;
    if (c > 0) {
      read ??= new Map();
      for (const line of encounter.lines) read.set(sameLine(line), line);
    }
    const orders = dtos[position]!.fsi_order_dtos;
    for (let i = 0; i < orders.length; i++) {
      const line = normalizeLine(orders[i]!, encounter.lines.length, i, encounter, fallback, openEnd, errors);
      const earlier = read?.get(sameLine(line));
      if (earlier !== undefined) {
        // Read once; a copy that calls it current (the visit appended to its history list) makes it current.
        if (line.current) (earlier as OrderLine).current = true;
        continue;
      }
      const clash = rxIds.clash(line, position, i);
      if (clash !== undefined) {
        const first = pathOf({ patient: here.patient, encounter: clash.encounter, order: clash.order, field: 'rx_id' });
        errors.push({
          path: pathOf(at(i, 'rx_id')),
          message: `处方(医嘱)标识 "${line.rxId}" 已用于 ${first}（项目 ${clash.code}），本行是另一项目 ${line.code}：每行医嘱的 rx_id 应唯一，否则提醒无法对应到具体医嘱`,
        });
      }
      encounter.lines.push(line);
    }
  }
  for (const line of encounter.lines) {
    if (isReversal(line)) reversals = true;
    else if (line.current) encounter.hasCurrent = true;
  }
  endDayCharges(encounter.lines, reading);
  if (reversals) {
    encounter.lines = netReversals(encounter.lines, reducedLine);
    encounter.hasCurrent = encounter.lines.some((l) => l.current);
  }
  return encounter;
}

/**
 * What makes a later copy's line the one already read (normalizeEncounter): its rx_id, item, begin time and whether
 * it takes something back. The item, time and sign keep apart the lines that may share an rx_id (a refund, a daily
 * charge of one order: RxIdOwners), so a copy's refund or next day's charge is still read.
 */
function sameLine(line: Line): string {
  return `${line.rxId}\u0000${line.code}\u0000${line.beginMinutes}\u0000${isReversal(line) ? '-' : '+'}`;
}

/** The line with part of it reversed (netReversals): the same order, less quantity and amount. */
function reducedLine(line: Line, qty: number, amount: number): Line {
  return (line as OrderLine).withQuantity(qty, amount);
}
