import type { AnalysisInput, EncounterDto, OrderDto, PatientDto } from '../envelope/national-types';
import { dateMessage, type FieldError } from '../envelope/validate';
import { codeHashOf } from '../library/code-index';
import { admissionsOf, dischargeDayOf } from './admissions';
import { foldCode } from './code-folding';
import { formatDay, fullYears, isUnsentDate, type LocalTime, localTimeOfMinutes, parseLocalMinutes } from './dates';
import { diagnosisKey } from './diagnosis-code';
import { isReversal, netReversals } from './reversals';
import { RxIdOwners } from './rx-ids';
import { type Sex, sexOf } from './sex-code';
import { isAdmission, medTypeOf, visitTypeOf } from './visit-codes';

export type { Sex } from './sex-code';

/** 3101 (事前) or 3102 (事中): a 3102's lines are fee details, read as charges (endDayCharges). */
export type AnalysisInfno = '3101' | '3102';

/**
 * How open long-term lines (no stop date) are read (endDayCharges): each as one day's charge (a 3102's fee details),
 * or, in a 3101, as the doctor's running orders unless the lines of a code show a charge series.
 */
type OpenLineReading = 'orders' | 'charges';

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

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/**
 * Where a field sits: `input.data.patient_dtos[p]`, then `.fsi_encounter_dtos[e]` for an encounter's field, then
 * `.fsi_order_dtos[o]` for an order line's, then `.field`. Kept as numbers and built into a path only when there is
 * an error to report: on the happy path no path string is made.
 */
interface FieldAt {
  patient: number;
  encounter: number;
  order: number;
  field: string;
}

function pathOf(at: FieldAt): string {
  let path = `input.data.patient_dtos[${at.patient}]`;
  if (at.encounter >= 0) path += `.fsi_encounter_dtos[${at.encounter}]`;
  if (at.order >= 0) path += `.fsi_order_dtos[${at.order}]`;
  return `${path}.${at.field}`;
}

function invalidDate(value: unknown, at: FieldAt, errors: FieldError[]): void {
  errors.push({ path: pathOf(at), message: dateMessage(value) });
}

// One reusable locator: the walk sets the patient and encounter it is in, each read sets the rest; copied into a
// path only on error. Normalisation is synchronous, so one module-level instance is safe.
const here: FieldAt = { patient: 0, encounter: -1, order: -1, field: '' };

function at(order: number, field: string): FieldAt {
  here.order = order;
  here.field = field;
  return here;
}

// The lines of one request mostly share a handful of timestamps: remembering the last one parsed saves the parse.
let lastText = '';
let lastMinutes = Number.NaN;

/** Minutes of a date field; NaN when absent (empty), recording an error when present but malformed. */
function minutesOf(raw: unknown, where: FieldAt, errors: FieldError[]): number {
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
function optionalMinutesOf(raw: unknown, where: FieldAt, errors: FieldError[]): number {
  return isUnsentDate(raw) ? Number.NaN : minutesOf(raw, where, errors);
}

function time(raw: unknown, where: FieldAt, errors: FieldError[]): LocalTime | undefined {
  const minutes = minutesOf(raw, where, errors);
  return Number.isNaN(minutes) ? undefined : localTimeOfMinutes(minutes);
}

/**
 * An order line as the evaluator reads it. The fields every encounter-wide check reads on every line are computed
 * once here; the ones only a finding (or a check of a matched point) reads — names, list price, unit, ordering
 * department name, doctor name and title — are read from the order when asked, since most lines of a request match
 * no point and never produce a finding. One class, so every line has the same shape.
 */
class OrderLine implements Line {
  /** Set by endDayCharges once the encounter's lines are read. */
  executes: Line | undefined = undefined;

  constructor(
    readonly index: number,
    readonly rxId: string,
    readonly rxno: string,
    readonly code: string,
    readonly codeHash: number,
    readonly listType: string,
    readonly qty: number,
    readonly price: number,
    readonly amount: number,
    readonly amountKnown: boolean,
    readonly priceKnown: boolean,
    readonly beginMinutes: number,
    readonly beginDay: number,
    /** Set once more by normalizePatient for an open long-term order of an earlier encounter (endOpenOrders). */
    public lastDay: number,
    readonly stopDated: boolean,
    readonly stopAt: number,
    /** Set by endDayCharges once the encounter's lines are read. */
    public dayCharge: boolean,
    public current: boolean,
    readonly deptCode: string,
    readonly doctorCode: string,
    readonly encounter: Encounter,
    readonly dto: OrderDto,
  ) {}

  /** The same order with less of it left (a reversal took part of it back, netReversals). */
  withQuantity(qty: number, amount: number): OrderLine {
    const reduced = new OrderLine(
      this.index,
      this.rxId,
      this.rxno,
      this.code,
      this.codeHash,
      this.listType,
      qty,
      this.price,
      amount,
      this.amountKnown,
      this.priceKnown,
      this.beginMinutes,
      this.beginDay,
      this.lastDay,
      this.stopDated,
      this.stopAt,
      this.dayCharge,
      this.current,
      this.deptCode,
      this.doctorCode,
      this.encounter,
      this.dto,
    );
    reduced.executes = this.executes;
    return reduced;
  }

  get name(): string {
    const dto = this.dto;
    return dto.hilist_name || dto.hosplist_name || dto.hilist_code || '';
  }

  get listPrice(): number {
    return this.dto.hilist_pric ?? 0;
  }

  get unit(): string {
    return this.dto.spec_unt ?? '';
  }

  get deptName(): string {
    return this.dto.drord_dept_name || this.encounter.deptName;
  }

  get doctorName(): string {
    return this.dto.drord_dr_name ?? '';
  }

  get doctorTitle(): string {
    return this.dto.drord_dr_profttl ?? '';
  }
}

/** An upper-case letter or a digit: how every national code begins and ends. */
function isCodeEdge(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/**
 * The line's code, made canonical only when its ends show it needs it: O(1) on the lines real clients send (a
 * padded, lower-case or full-width code has a space, a lower-case letter or a wide character at an end).
 */
function lineCode(raw: string | undefined): string {
  const code = raw ?? '';
  if (code === '' || (isCodeEdge(code.charCodeAt(0)) && isCodeEdge(code.charCodeAt(code.length - 1)))) return code;
  return foldCode(code);
}

/**
 * The last calendar day an order stopped at `stopMinutes` ran on. A stop at 00:00 of a day, with its time sent, ended
 * the order at the start of that day: 11-18 08:00 to 11-21 00:00:00 ran on the 18th, 19th and 20th, and counting the
 * 21st spread its cnt over a day it never ran on. A stop sent as a date alone ("2026-11-21") names the day it was
 * stopped on, not an instant, so that day still counts.
 */
function lastDayOfRun(stopMinutes: number, raw: unknown): number {
  const day = Math.floor(stopMinutes / 1440);
  if (stopMinutes !== day * 1440) return day;
  const text = typeof raw === 'string' ? raw.trim() : '';
  // "yyyy-MM-dd" and "yyyyMMdd" have no time of day; every form with one is longer.
  return text.length > 10 ? day - 1 : day;
}

/** ajv has already coerced the declared fields to strings/numbers; `?? ''` is all the defaulting they need. */
function normalizeLine(
  dto: OrderDto,
  index: number,
  order: number,
  encounter: Encounter,
  fallbackMinutes: number,
  /** The last day an open long-term order can have run on (openRunEnd). */
  openEnd: number,
  errors: FieldError[],
): Line {
  let beginMinutes = minutesOf(dto.drord_begn_date, at(order, 'drord_begn_date'), errors);
  if (Number.isNaN(beginMinutes)) beginMinutes = fallbackMinutes;
  const stopMinutes = optionalMinutesOf(dto.drord_stop_date, at(order, 'drord_stop_date'), errors);
  const beginDay = Math.floor(beginMinutes / 1440);
  const stopDay = lastDayOfRun(stopMinutes, dto.drord_stop_date);
  // A long-term order runs until its stop date, or while it has none, up to the request day (the discharge day of a
  // patient who has left); a one-off order counts its begin day only. A 临时 line stopped on a later day outside an
  // admission, or a 出院带药 line stopped on a later day anywhere, is a course (isCourse) and runs to its stop day.
  const long = dto.long_drord_flag === '1';
  let lastDay = beginDay;
  if (long) {
    if (Number.isNaN(stopMinutes)) lastDay = Math.max(openEnd, beginDay);
    else if (stopDay > beginDay) lastDay = stopDay;
  } else if (stopDay > beginDay && (isTakeHome(dto) || !isAdmission(encounter.medMdtrtType, encounter.medType)))
    lastDay = stopDay;
  // cnt is required (数量) but not always sent. An order line is at least one unit, so a line without it counts as 1
  // for the quantity limits (a lower bound: what exceeds with 1 exceeds with any real count), and an amount that
  // needs the count is not known (vola_amt_stas 0). Counting it as 0 hid the line from every frequency limit.
  const qtySent = dto.cnt !== undefined;
  const qty = dto.cnt ?? 1;
  const price = dto.pric ?? 0;
  const priceKnown = dto.pric !== undefined && qtySent;
  const code = lineCode(dto.hilist_code);
  return new OrderLine(
    index,
    dto.rx_id,
    dto.rxno ?? '',
    code,
    codeHashOf(code),
    dto.hilist_type ?? '',
    qty,
    price,
    dto.sumamt ?? (priceKnown ? Math.round(qty * price * 100) / 100 : 0),
    dto.sumamt !== undefined || priceKnown,
    priceKnown,
    beginMinutes,
    beginDay,
    lastDay,
    long ? !Number.isNaN(stopMinutes) : lastDay > beginDay,
    // A stop at 00:00 is the end of the day before it, or (sent as a date alone) of its own day: stopDay ends there.
    stopMinutes % 1440 === 0 ? (stopDay + 1) * 1440 : stopMinutes,
    false,
    dto.curr_drord_flag !== '0',
    dto.drord_dept_codg || encounter.deptCode,
    dto.drord_dr_codg || encounter.doctorCode,
    encounter,
    dto,
  );
}

/**
 * 出院带药 (drord_bhvr 1, spec §2.6): the drug the patient takes home at discharge. Its stop date is the last day of
 * the supply, not a HIS's stamp of when a 临时医嘱 was given, so even in an admission it runs to that day (rules.md
 * max_pay_days: drord_begn_date..drord_stop_date). Read as a one-off, 9 days of 注射用七叶皂苷钠 (支付不超过10天) on
 * the ward and 7 more taken home were 9 days, and the fund paid 6 days beyond the limit without a word.
 */
function isTakeHome(dto: OrderDto): boolean {
  return String(dto.drord_bhvr ?? '').trim() === '1';
}

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

/**
 * One encounter from its copies (`copies`: positions in fsi_encounter_dtos of the entries with its mdtrt_id that show
 * one admission, admissionsOf; the first first). A HIS that appends the current visit to its history list sends it
 * twice: the first copy's encounter fields are read, and the lines are the union: a later copy's line that repeats one
 * already read (sameLine) is read once, so quantities are not counted twice, and one that is new is added, so a new
 * current order in the second copy is checked.
 */
function normalizeEncounter(
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
 * Long-term lines that are one day's charge, not an open order, count on their begin day only. A 3102 (明细审核事中分析)
 * sends fee details, and the charge of a long-term order (床位费, 重症监护 charged each day) keeps the flag and has no
 * stop date: stretched to the request day, the ICU's 重症监护 of 11-20..22 met the ward's 口腔护理 on every later day, and
 * a drug charged for 7 days and restarted 13 days later was 20 days of use. Some HIS upload fees as 3101 too, but no
 * trig_scen tells them apart: 4 (住院收费登记) is S-01's fee upload and the inpatient doctor station's scene at S-15,
 * S-04 and S-03 (spec §5.3). So a 3101 shows a charge series by its lines: open lines of one code of which two begin on
 * consecutive days are daily charges (a fee system charges a running order every day; a doctor does not write a new
 * open order of the same item every day), and every open line of that code counts its own begin day. Otherwise they
 * are orders: an open order of 11-01 sent with today's line of it is a course of 20 days, and two open bed orders add
 * up. The price: two open orders of one code a doctor did begin on consecutive days read as charges.
 */
function endDayCharges(lines: readonly Line[], reading: OpenLineReading): void {
  if (reading === 'charges') {
    for (const line of lines) if (isOpenOrder(line)) endAsCharge(line);
    return;
  }
  // Code → the begin days of its open long-term lines; most encounters have few, and many none.
  let daysByCode: Map<string, Set<number>> | undefined;
  for (const line of lines) {
    if (!isOpenOrder(line)) continue;
    daysByCode ??= new Map();
    const days = daysByCode.get(line.code);
    if (days === undefined) daysByCode.set(line.code, new Set([line.beginDay]));
    else days.add(line.beginDay);
  }
  if (daysByCode === undefined) return;
  const series = new Set<string>();
  for (const [code, days] of daysByCode) {
    for (const day of days) {
      if (days.has(day + 1)) {
        series.add(code);
        break;
      }
    }
  }
  // Code → its open order: the earliest-begun open line of a code that is no charge series.
  const orders = new Map<string, Line>();
  for (const line of lines) {
    if (!isOpenOrder(line)) continue;
    if (series.has(line.code)) {
      endAsCharge(line);
      continue;
    }
    const order = orders.get(line.code);
    if (order === undefined || line.beginMinutes < order.beginMinutes) orders.set(line.code, line);
  }
  // Every other open line of the code begins while that order runs: the nurse station's execution of it (spec §2.6
  // recommends sending the running 长期医嘱 as context with the day's new lines) or a fee system's charge of it. It is
  // the order's use on its day, not a second order running beside it: read so, an order begun 11-28 and the day's
  // execution were two beds, two 护理 and 48 h of 心电监测 at sev 1 from the third day on (on the second they were a
  // charge series and silent). **The price:** a second open order of the item a doctor did write while the first
  // runs counts only what it adds beyond the first's day quantity (checks/quantity-limits.ts).
  for (const line of lines) {
    const order = isOpenOrder(line) ? orders.get(line.code) : undefined;
    if (order === undefined || order === line) continue;
    endAsCharge(line);
    (line as OrderLine).executes = order;
  }
}

/** A long-term line with no stop date that takes nothing back: an open order, or (endDayCharges) a day's charge. */
function isOpenOrder(line: Line): boolean {
  return line.dto.long_drord_flag === '1' && !line.stopDated && !isReversal(line);
}

function endAsCharge(line: Line): void {
  line.dayCharge = true;
  line.lastDay = line.beginDay;
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

function normalizePatient(
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

/**
 * The last day an open long-term order of the encounter in hand can have run on: the request day, or the discharge
 * day when the patient has left. A discharge is a dscg_date on a later day than adm_date: S-01 fills dscg_date with
 * adm_date for a patient still in hospital (spec §2.4 #11) and S-03 with 9999-12-31, so a dscg_date on the admission
 * day cannot tell a same-day discharge from "still here" and ends nothing (the price: a patient admitted and
 * discharged on one day, asked about on a later day, has his open orders counted to that day). Counted to the
 * request day, a 3-day 重组人脑利钠肽 course of a patient discharged on 11-27 was "已用药 6 天" at sev 1 on 11-30.
 */
function openRunEnd(dto: EncounterDto, admDay: number, today: number): number {
  const dischargeDay = dischargeDayOf(dto);
  return dischargeDay > admDay && dischargeDay < today ? dischargeDay : today;
}

/**
 * An earlier encounter sent for history: its long-term orders without a stop date ran until it ended, not until
 * today (normalizeLine's reading for the encounter in hand). They end on its discharge day when that is a real day
 * between their begin day and today, else on their begin day: counting an open order of a 2024 admission as running
 * ever since made a new stroke's first dose day 995 of one course, and an old ICU order meet today's oral care.
 */
function endOpenOrders(encounter: Encounter, today: number): void {
  // 9999-12-31 (S-03's "still in hospital") and the zero date are no discharge, as in drord_stop_date.
  const dischargeDay = dischargeDayOf(encounter.dto);
  for (const line of encounter.lines) {
    const dto = line.dto;
    if (dto.long_drord_flag !== '1' || line.stopDated || line.dayCharge) continue;
    (line as OrderLine).lastDay = dischargeDay >= line.beginDay && dischargeDay <= today ? dischargeDay : line.beginDay;
  }
}

export type Normalization = { ok: true; request: NormalizedRequest } | { ok: false; errors: FieldError[] };

/** Reads a validated 3101/3102 input into the evaluator's shapes; malformed dates are errors naming the field. */
export function normalizeAnalysis(input: AnalysisInput, now: LocalTime, infno: AnalysisInfno = '3101'): Normalization {
  const errors: FieldError[] = [];
  const data = input.data;
  const patients: Patient[] = [];
  const reusedMdtrtIds: string[] = [];
  const reading: OpenLineReading = infno === '3102' ? 'charges' : 'orders';
  for (let i = 0; i < data.patient_dtos.length; i++) {
    patients.push(normalizePatient(data.patient_dtos[i]!, now, reading, i, errors, reusedMdtrtIds));
  }
  if (errors.length > 0) return { ok: false, errors };
  // A list, or as some clients send it, one string ("GZ…,GZ…"); "" and [] mean every rule.
  // Ids naming no rule of the active library are set aside by the evaluator (ruleFilterOf, analyze.ts).
  const ruleIds = (
    Array.isArray(data.rule_ids) ? data.rule_ids.map((id) => text(id).trim()) : text(data.rule_ids).split(/[,，;；\s]+/)
  ).filter((s) => s !== '');
  return { ok: true, request: { taskId: text(data.task_id), patients, ruleIds, reusedMdtrtIds } };
}
