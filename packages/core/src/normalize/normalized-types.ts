/**
 * The evaluator's model of a request (Line, Encounter, Patient, NormalizedRequest): what normalisation builds and the
 * checks read. Types only, kept apart from the code that fills them so the checks and the normalize modules share
 * them without importing each other.
 */

import type { EncounterDto, OrderDto } from '../envelope/national-types';
import type { LocalTime } from './dates';
import type { Sex } from './sex-code';

/** An order line, read once into the shapes the checks compare. */
export interface Line {
  /** Position in the encounter's fsi_order_dtos, for stable ordering. */
  index: number;
  rxId: string;
  rxno: string;
  code: string;
  /** codeHashOf(code): hashed once, used by the code index and the identical-line check. */
  codeHash: number;
  name: string;
  listType: string;
  qty: number;
  price: number;
  listPrice: number;
  amount: number;
  /** sumamt was sent, or can be computed from pric (vola_amt_stas 0 otherwise). */
  amountKnown: boolean;
  /** pric and cnt were sent, so an excess quantity has an amount (and sumamt can be computed). */
  priceKnown: boolean;
  /** Begin time in Shanghai wall-clock minutes and its calendar day. */
  beginMinutes: number;
  beginDay: number;
  /**
   * Last calendar day the order runs: the stop day of a long-term order or of a course (isCourse), the request day for
   * a long-term order with no stop date yet (it is still running), the begin day for a one-off order and for one
   * day's charge (dayCharge).
   */
  lastDay: number;
  /**
   * A long-term order whose stop date was sent and read (a blank one, "" or spaces, is none: it is still running), or
   * a course (isCourse).
   */
  stopDated: boolean;
  /**
   * The instant a stop-dated order stopped, in wall-clock minutes: its stop time, or the end of its stop day for a stop
   * sent as a date alone (that day counts, lastDayOfRun); NaN without a stop date.
   */
  stopAt: number;
  /**
   * One day's charge of a long-term order, not an open order (endDayCharges): it counts on its begin day only, as a
   * one-off line does.
   */
  dayCharge: boolean;
  /**
   * The open long-term order of the same item that this open line is a day's execution or charge of (endDayCharges):
   * its use on that day, not another one; undefined for any other line.
   */
  executes: Line | undefined;
  current: boolean;
  unit: string;
  deptCode: string;
  deptName: string;
  doctorCode: string;
  doctorName: string;
  doctorTitle: string;
  encounter: Encounter;
  dto: OrderDto;
}

export interface Encounter {
  id: string;
  patient: Patient;
  medMdtrtType: string;
  medType: string;
  insutype: string;
  medinsId: string;
  medinsLevel: string;
  deptCode: string;
  deptName: string;
  doctorCode: string;
  admDay: number;
  /**
   * admDay, for an encounter the request shows to be a later admission under an mdtrt_id an earlier admission of the
   * patient was sent under (admissionsOf); undefined for every other encounter. A stay question's jr_id hashes it
   * (judgeResultIdOfStay), so the first admission's 继续执行 does not stand for this one.
   */
  laterAdmissionDay: number | undefined;
  /** The diagnosis codes as sent (main first, each once), for messages and the data-quality check. */
  diagnoses: string[];
  /** The same codes as compared (diagnosisKey): prefix matches read these. */
  diagnosisKeys: string[];
  diagnosisDtoCount: number;
  lines: Line[];
  hasCurrent: boolean;
  dto: EncounterDto;
}

export interface Patient {
  id: string;
  sex: Sex | undefined;
  /** gend as sent: the data-quality check names one that says neither a sex nor "unknown" (unreadableGend). */
  gend: unknown;
  birth: LocalTime | undefined;
  encounters: Encounter[];
  /** Every line of every encounter, in input order. */
  lines: Line[];
}

export interface NormalizedRequest {
  taskId: string;
  patients: Patient[];
  ruleIds: string[];
  /**
   * Where the request sends a later admission under an mdtrt_id an earlier admission used (admissionsOf): the path
   * of the later admission's first copy's mdtrt_id, for IT (a HIS that reuses its 住院号), not for the doctor.
   */
  reusedMdtrtIds: string[];
}
