import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isUnsentDate, parseLocalMinutes } from '../normalize/dates';
import { parseScenes } from '../normalize/scenes';
import { errorList } from './error-list';
import { fastCheckAnalysis, isBlank } from './fast-validate';
import type { AnalysisInput, FeedbackInput, RequestEnvelope } from './national-types';
import { quoteValue } from './quote-value';
import {
  analysisInputSchema,
  encounterSchema,
  feedbackInputSchema,
  orderSchema,
  requestEnvelopeSchema,
} from './schemas';

/** How an error quotes a bad value. */
export { QUOTED_CHARS, quoteValue } from './quote-value';

export interface FieldError {
  /** Dotted path from the envelope root, e.g. "input.data.patient_dtos[0].brdy". */
  path: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[]; message: string };

// One Ajv instance, each schema compiled once. coerceTypes turns "12.50" into 12.5 and 1 into "1", which is exactly
// the tolerance the national clients need (3101-3103.md §6.6). Compiled on first use, not at import: importing core
// (a library worker, a CLI command) then costs no schema compilation it never uses.
interface Validators {
  analysis: ValidateFunction;
  feedback: ValidateFunction;
  envelope: ValidateFunction;
}
let validators: Validators | undefined;

/** Compiles the request validators now (a server calls it at start, so its first request does not pay for it). */
export function compileValidators(): void {
  if (validators) return;
  const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: false });
  validators = {
    analysis: ajv.compile(analysisInputSchema),
    feedback: ajv.compile(feedbackInputSchema),
    envelope: ajv.compile(requestEnvelopeSchema),
  };
}

function compiled(): Validators {
  compileValidators();
  return validators!;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Several clients send a single object where the spec says 集合, or "" for an empty one. */
function asList(holder: Json, key: string): unknown[] | undefined {
  const v = holder[key];
  if (Array.isArray(v)) return v;
  if (isObject(v)) {
    const list = [v];
    holder[key] = list;
    return list;
  }
  if (v === '' || v === null) {
    holder[key] = [];
    return holder[key] as unknown[];
  }
  return undefined;
}

type SchemaProperties = Record<string, { type?: string }>;

function optionalNumbers(schema: { properties: object; required?: readonly string[] }): string[] {
  const required = new Set<string>(schema.required ?? []);
  return Object.entries(schema.properties as SchemaProperties)
    .filter(([key, p]) => p.type === 'number' && !required.has(key))
    .map(([key]) => key);
}

function numberFields(schema: { properties: object }): string[] {
  return Object.entries(schema.properties as SchemaProperties)
    .filter(([, p]) => p.type === 'number')
    .map(([key]) => key);
}

const ORDER_NUMBERS = numberFields(orderSchema);
const ENCOUNTER_NUMBERS = numberFields(encounterSchema);

/**
 * A boolean where an amount or a count belongs: ajv's coerceTypes would make `"sumamt": true` a 1-yuan line (and
 * false a 0) without a word; a HIS that serialised the wrong field gets the field named instead. Numbers as text
 * stay accepted (§6.6). Read before ajv, which coerces in place.
 */
function booleanNumberErrors(input: unknown, basePath: string): FieldError[] {
  const errors: FieldError[] = [];
  const check = (holder: Json, keys: readonly string[], path: string) => {
    for (const key of keys) {
      const v = holder[key];
      if (typeof v === 'boolean')
        errors.push({ path: `${path}.${key}`, message: `类型应为 number，不能是布尔值 ${v}` });
    }
  };
  if (!isObject(input) || !isObject(input.data) || !Array.isArray(input.data.patient_dtos)) return errors;
  input.data.patient_dtos.forEach((patient: unknown, i: number) => {
    if (!isObject(patient) || !Array.isArray(patient.fsi_encounter_dtos)) return;
    patient.fsi_encounter_dtos.forEach((encounter: unknown, j: number) => {
      if (!isObject(encounter)) return;
      const ePath = `${basePath}.data.patient_dtos[${i}].fsi_encounter_dtos[${j}]`;
      check(encounter, ENCOUNTER_NUMBERS, ePath);
      if (!Array.isArray(encounter.fsi_order_dtos)) return;
      encounter.fsi_order_dtos.forEach((order: unknown, k: number) => {
        if (isObject(order)) check(order, ORDER_NUMBERS, `${ePath}.fsi_order_dtos[${k}]`);
      });
    });
  });
  return errors;
}

/** Optional numeric fields a HIS may send as "" or null when unused (ownpay_amt: ""): they mean "not sent". */
const ORDER_OPTIONAL_NUMBERS = optionalNumbers(orderSchema);
const ENCOUNTER_OPTIONAL_NUMBERS = optionalNumbers(encounterSchema);

function blankToAbsent(holder: Json, keys: readonly string[]): void {
  for (const key of keys) {
    const v = holder[key];
    // undefined rather than delete: the same as the fast walk leaves, and no dictionary-mode object.
    if (v === null || (typeof v === 'string' && isBlank(v))) holder[key] = undefined;
  }
}

/** Single objects where lists belong, "" for empty lists, a numeric trig_scen. Idempotent; mutates in place. */
export function tolerateAnalysis(input: unknown): void {
  if (!isObject(input) || !isObject(input.data)) return;
  const data = input.data;
  if (data.rule_ids === '' || data.rule_ids === null) data.rule_ids = [];
  if (typeof data.trig_scen === 'number') data.trig_scen = String(data.trig_scen);
  for (const patient of asList(data, 'patient_dtos') ?? []) {
    if (!isObject(patient)) continue;
    for (const encounter of asList(patient, 'fsi_encounter_dtos') ?? []) {
      if (!isObject(encounter)) continue;
      asList(encounter, 'fsi_diagnose_dtos');
      asList(encounter, 'fsi_operation_dtos');
      asList(encounter, 'fsi_order_dtos');
    }
  }
}

/** The fast walk drops blank optional numbers itself; before ajv they are dropped here. */
function blankNumbersToAbsent(input: unknown): void {
  if (!isObject(input) || !isObject(input.data) || !Array.isArray(input.data.patient_dtos)) return;
  for (const patient of input.data.patient_dtos) {
    if (!isObject(patient) || !Array.isArray(patient.fsi_encounter_dtos)) continue;
    for (const encounter of patient.fsi_encounter_dtos) {
      if (!isObject(encounter)) continue;
      blankToAbsent(encounter, ENCOUNTER_OPTIONAL_NUMBERS);
      if (!Array.isArray(encounter.fsi_order_dtos)) continue;
      for (const order of encounter.fsi_order_dtos) if (isObject(order)) blankToAbsent(order, ORDER_OPTIONAL_NUMBERS);
    }
  }
}

/** `optional`: a date sent to mean none (isUnsentDate: the zero date 0000-00-00, 9999-12-31) is not an error there. */
function dateError(holder: Json, key: string, path: string, errors: FieldError[], optional = false): void {
  const v = holder[key];
  // Only text can be a date. An object or a list here already has its type error from the schema, and String() of
  // one can throw (a JSON object with a "toString" key has no callable toString).
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return;
  if (optional && isUnsentDate(v)) return;
  const text = String(v).trim();
  if (text !== '' && Number.isNaN(parseLocalMinutes(text)))
    errors.push({ path: `${path}.${key}`, message: dateMessage(v) });
}

export function dateMessage(value: unknown): string {
  return `日期格式错误 ${quoteValue(value)}，应为 yyyy-MM-dd HH:mm:ss 或 yyyy-MM-dd`;
}

/**
 * The checks the schema cannot express (trig_scen values, real dates), run over whatever shape the input has, so a
 * request that also fails the schema gets every bad field named in the same answer.
 */
function semanticErrors(input: unknown, basePath: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(input) || !isObject(input.data)) return errors;
  const data = input.data;
  const scenes = parseScenes(data.trig_scen, '3101', `${basePath}.data.trig_scen`);
  if (!Array.isArray(scenes)) errors.push(scenes);
  const patients = Array.isArray(data.patient_dtos) ? data.patient_dtos : [];
  patients.forEach((patient: unknown, i: number) => {
    if (!isObject(patient)) return;
    const pPath = `${basePath}.data.patient_dtos[${i}]`;
    dateError(patient, 'brdy', pPath, errors);
    const encounters = Array.isArray(patient.fsi_encounter_dtos) ? patient.fsi_encounter_dtos : [];
    encounters.forEach((encounter: unknown, j: number) => {
      if (!isObject(encounter)) return;
      const ePath = `${pPath}.fsi_encounter_dtos[${j}]`;
      dateError(encounter, 'adm_date', ePath, errors);
      const orders = Array.isArray(encounter.fsi_order_dtos) ? encounter.fsi_order_dtos : [];
      orders.forEach((order: unknown, k: number) => {
        if (!isObject(order)) return;
        const oPath = `${ePath}.fsi_order_dtos[${k}]`;
        dateError(order, 'drord_begn_date', oPath, errors);
        dateError(order, 'drord_stop_date', oPath, errors, true);
      });
    });
  });
  return errors;
}

function pathOf(base: string, error: ErrorObject): string {
  let path = base;
  for (const segment of error.instancePath.split('/').slice(1)) {
    path += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  if (error.keyword === 'required') path += `.${(error.params as { missingProperty: string }).missingProperty}`;
  // Paths from the envelope root have no base: "infno", not ".infno".
  return path.startsWith('.') ? path.slice(1) : path || '(body)';
}

function messageOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return '缺少必填字段';
    case 'type':
      return `类型应为 ${(error.params as { type: string }).type === 'array' ? '集合(数组)' : (error.params as { type: string }).type}`;
    case 'minLength':
      return '不能为空';
    case 'minItems':
      return '集合不能为空';
    case 'maxLength':
      return `长度超过 ${(error.params as { limit: number }).limit}`;
    case 'enum':
      return `取值应为 ${(error.params as { allowedValues: unknown[] }).allowedValues.join(' / ')}`;
    case 'maximum':
    case 'minimum':
      return '数值超出范围';
    case 'anyOf':
      // trig_scen and rule_ids (text or a list of text), amounts of an answer (number or numeric text).
      return '类型不符合允许的任一形式';
    default:
      return error.message ?? '格式错误';
  }
}

/**
 * err_msg of failed field checks: the count, then as many whole errors as 字符 200 holds (errorList). `errors` of a
 * Validation always holds all of them.
 */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errorList(
    `入参校验失败（共 ${errors.length} 处）: `,
    errors.map((e) => `${e.path}: ${e.message}`),
  );
}

/** The field errors of a failed ajv check, one per path and message, anyOf branches folded into their summary. */
export function fieldErrorsOf(check: ValidateFunction, basePath: string): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const e of check.errors ?? []) {
    // anyOf failures repeat once per branch; the summary error carries the path.
    // if/then/else failures are summarised by the error inside the branch.
    if (e.schemaPath.includes('/anyOf/') || e.keyword === 'if') continue;
    const fieldError = { path: pathOf(basePath, e), message: messageOf(e) };
    const key = `${fieldError.path}|${fieldError.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(fieldError);
    }
  }
  return errors;
}

function run<T>(check: ValidateFunction, value: unknown, basePath: string): Validation<T> {
  if (check(value)) return { ok: true, value: value as T };
  const errors = fieldErrorsOf(check, basePath);
  return { ok: false, errors, message: formatFieldErrors(errors) };
}

export function validateRequestEnvelope(body: unknown): Validation<RequestEnvelope> {
  if (!isObject(body)) {
    const errors = [{ path: '(body)', message: '请求体应为 JSON 对象' }];
    return { ok: false, errors, message: formatFieldErrors(errors) };
  }
  if (typeof body.infno === 'number') body.infno = String(body.infno);
  return run<RequestEnvelope>(compiled().envelope, body, '');
}

/**
 * Validates (and coerces in place) a 3101/3102 `input`. When the schema fails, the answer also names every bad
 * trig_scen and date, so one round trip lists all that is wrong; on success those are checked (once) by analyze.
 */
export function validateAnalysisInput(input: unknown, basePath = 'input'): Validation<AnalysisInput> {
  tolerateAnalysis(input);
  if (fastCheckAnalysis(input)) return { ok: true, value: input as AnalysisInput };
  return validateAnalysisInputByAjv(input, basePath);
}

/**
 * The schema path alone (after the list tolerance): what validateAnalysisInput falls back to when the fast walk is
 * not sure. Exported so a test can hold the two to the same verdicts and the same coerced values.
 */
export function validateAnalysisInputByAjv(input: unknown, basePath = 'input'): Validation<AnalysisInput> {
  tolerateAnalysis(input);
  blankNumbersToAbsent(input);
  const booleans = booleanNumberErrors(input, basePath);
  const result = run<AnalysisInput>(compiled().analysis, input, basePath);
  if (result.ok && booleans.length === 0) return result;
  const errors = mergeErrors(booleans, result.ok ? [] : result.errors, semanticErrors(input, basePath));
  return { ok: false, errors, message: formatFieldErrors(errors) };
}

/** Joins error lists, one entry per path and message, in order. */
export function mergeErrors(...lists: readonly (readonly FieldError[])[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const list of lists) {
    for (const e of list) {
      const key = `${e.path}|${e.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
  }
  return out;
}

/** Validates (and coerces in place) a 3103 `input`. */
export function validateFeedbackInput(input: unknown, basePath = 'input'): Validation<FeedbackInput> {
  if (isObject(input) && isObject(input.data)) {
    asList(input.data, 'warns');
    if (typeof input.data.warn_type === 'number') input.data.warn_type = String(input.data.warn_type);
  }
  return run<FeedbackInput>(compiled().feedback, input, basePath);
}
