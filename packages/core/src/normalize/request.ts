import type { AnalysisInput, EncounterDto, OrderDto, PatientDto } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import { type LocalTime, parseLocalTime } from './dates';

export type Sex = 'male' | 'female';

/** An order line, read once into the shapes the checks compare. */
export interface Line {
  /** Position in the encounter's fsi_order_dtos, for stable ordering. */
  index: number;
  rxId: string;
  rxno: string;
  code: string;
  name: string;
  listType: string;
  qty: number;
  price: number;
  listPrice: number;
  amount: number;
  /** Begin time in Shanghai wall-clock minutes and its calendar day. */
  beginMinutes: number;
  beginDay: number;
  /** Last calendar day the order runs (begin day for one-off orders). */
  lastDay: number;
  current: boolean;
  unit: string;
  deptCode: string;
  deptName: string;
  doctorCode: string;
  doctorName: string;
  doctorTitle: string;
  /** Age at the line's date, undefined when the birth date is unknown. */
  ageYears: number | undefined;
  ageDays: number | undefined;
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
  diagnoses: string[];
  diagnosisDtoCount: number;
  lines: Line[];
  hasCurrent: boolean;
  dto: EncounterDto;
}

export interface Patient {
  id: string;
  sex: Sex | undefined;
  birth: LocalTime | undefined;
  encounters: Encounter[];
  /** Every line of every encounter, in input order. */
  lines: Line[];
}

export interface NormalizedRequest {
  taskId: string;
  patients: Patient[];
  ruleIds: string[];
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function number(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

function sexOf(gend: unknown): Sex | undefined {
  const g = text(gend);
  return g === '1' ? 'male' : g === '2' ? 'female' : undefined;
}

function time(raw: unknown, path: string, errors: FieldError[]): LocalTime | undefined {
  const value = text(raw).trim();
  if (value === '') return undefined;
  const parsed = parseLocalTime(value);
  if (!parsed)
    errors.push({ path, message: `日期格式错误 ${JSON.stringify(value)}，应为 yyyy-MM-dd HH:mm:ss 或 yyyy-MM-dd` });
  return parsed;
}

function ageAt(
  birth: LocalTime | undefined,
  day: number,
  at: LocalTime | undefined,
): [number | undefined, number | undefined] {
  if (!birth) return [undefined, undefined];
  const days = day - birth.day;
  if (!at) return [undefined, days];
  let years = at.year - birth.year;
  if (at.month < birth.month || (at.month === birth.month && at.dayOfMonth < birth.dayOfMonth)) years--;
  return [years, days];
}

function normalizeLine(
  dto: OrderDto,
  index: number,
  encounter: Encounter,
  fallback: LocalTime,
  basePath: string,
  errors: FieldError[],
): Line {
  const begin = time(dto.drord_begn_date, `${basePath}.drord_begn_date`, errors) ?? fallback;
  const stop = time(dto.drord_stop_date, `${basePath}.drord_stop_date`, errors);
  const current = dto.curr_drord_flag === undefined || text(dto.curr_drord_flag) !== '0';
  // A long-term order runs until its stop date; a one-off order counts its begin day only.
  const lastDay = stop && stop.day > begin.day && text(dto.long_drord_flag) === '1' ? stop.day : begin.day;
  const [ageYears, ageDays] = ageAt(encounter.patient.birth, begin.day, begin);
  const qty = number(dto.cnt);
  const price = number(dto.pric);
  const amount = dto.sumamt === undefined ? Math.round(qty * price * 100) / 100 : number(dto.sumamt);
  return {
    index,
    rxId: dto.rx_id,
    rxno: text(dto.rxno),
    code: dto.hilist_code,
    name: text(dto.hilist_name) || text(dto.hosplist_name) || dto.hilist_code,
    listType: text(dto.hilist_type),
    qty,
    price,
    listPrice: number(dto.hilist_pric),
    amount,
    beginMinutes: begin.minutes,
    beginDay: begin.day,
    lastDay,
    current,
    unit: text(dto.spec_unt),
    deptCode: text(dto.drord_dept_codg) || encounter.deptCode,
    deptName: text(dto.drord_dept_name) || encounter.deptName,
    doctorCode: text(dto.drord_dr_codg) || encounter.doctorCode,
    doctorName: text(dto.drord_dr_name),
    doctorTitle: text(dto.drord_dr_profttl),
    ageYears,
    ageDays,
    encounter,
    dto,
  };
}

function normalizeEncounter(
  dto: EncounterDto,
  patient: Patient,
  now: LocalTime,
  basePath: string,
  errors: FieldError[],
): Encounter {
  const adm = time(dto.adm_date, `${basePath}.adm_date`, errors);
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
    medMdtrtType: text(dto.med_mdtrt_type),
    medType: text(dto.med_type),
    insutype: text(dto.insutype),
    medinsId: text(dto.medins_id),
    medinsLevel: text(dto.medins_lv),
    deptCode: text(dto.adm_dept_codg) || text(dto.dscg_dept_codg),
    deptName: text(dto.adm_dept_name) || text(dto.dscg_dept_name),
    doctorCode: text(dto.dr_codg),
    admDay: (adm ?? now).day,
    diagnoses,
    diagnosisDtoCount: dto.fsi_diagnose_dtos?.length ?? 0,
    lines: [],
    hasCurrent: false,
    dto,
  };
  const fallback = adm ?? now;
  const orders = dto.fsi_order_dtos;
  for (let i = 0; i < orders.length; i++) {
    const line = normalizeLine(orders[i]!, i, encounter, fallback, `${basePath}.fsi_order_dtos[${i}]`, errors);
    encounter.lines.push(line);
    if (line.current) encounter.hasCurrent = true;
  }
  return encounter;
}

function normalizePatient(dto: PatientDto, now: LocalTime, basePath: string, errors: FieldError[]): Patient {
  const patient: Patient = {
    id: dto.patn_id,
    sex: sexOf(dto.gend),
    birth: time(dto.brdy, `${basePath}.brdy`, errors),
    encounters: [],
    lines: [],
  };
  const encounters = dto.fsi_encounter_dtos;
  for (let i = 0; i < encounters.length; i++) {
    const encounter = normalizeEncounter(encounters[i]!, patient, now, `${basePath}.fsi_encounter_dtos[${i}]`, errors);
    // Only the encounter named by curr_mdtrt_id (or, without one, every encounter) can hold current lines; lines of
    // earlier encounters sent for history are context whatever their flag says.
    const curr = text(dto.curr_mdtrt_id);
    if (curr && encounters.some((e) => e.mdtrt_id === curr) && encounter.id !== curr) {
      for (const line of encounter.lines) line.current = false;
      encounter.hasCurrent = false;
    }
    patient.encounters.push(encounter);
    for (const line of encounter.lines) patient.lines.push(line);
  }
  return patient;
}

export type Normalization = { ok: true; request: NormalizedRequest } | { ok: false; errors: FieldError[] };

/** Reads a validated 3101/3102 input into the evaluator's shapes; malformed dates are errors naming the field. */
export function normalizeAnalysis(input: AnalysisInput, now: LocalTime): Normalization {
  const errors: FieldError[] = [];
  const data = input.data;
  const patients: Patient[] = [];
  for (let i = 0; i < data.patient_dtos.length; i++) {
    patients.push(normalizePatient(data.patient_dtos[i]!, now, `input.data.patient_dtos[${i}]`, errors));
  }
  if (errors.length > 0) return { ok: false, errors };
  const ruleIds = Array.isArray(data.rule_ids) ? data.rule_ids.map(text).filter((s) => s !== '') : [];
  return { ok: true, request: { taskId: text(data.task_id), patients, ruleIds } };
}
