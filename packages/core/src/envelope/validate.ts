import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { AnalysisInput, FeedbackInput, RequestEnvelope } from './national-types';
import { analysisInputSchema, feedbackInputSchema, requestEnvelopeSchema } from './schemas';

export interface FieldError {
  /** Dotted path from the envelope root, e.g. "input.data.patient_dtos[0].brdy". */
  path: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[]; message: string };

// One Ajv instance, schemas compiled once at module load. coerceTypes turns "12.50" into 12.5 and 1 into "1", which
// is exactly the tolerance the national clients need (3101-3103.md §6.6).
const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: false });
const checkAnalysis: ValidateFunction = ajv.compile(analysisInputSchema);
const checkFeedback: ValidateFunction = ajv.compile(feedbackInputSchema);
const checkEnvelope: ValidateFunction = ajv.compile(requestEnvelopeSchema);

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

function tolerateAnalysis(input: unknown): void {
  if (!isObject(input) || !isObject(input.data)) return;
  const data = input.data;
  if (data.rule_ids === '' || data.rule_ids === null) data.rule_ids = [];
  if (typeof data.trig_scen === 'number') data.trig_scen = String(data.trig_scen);
  for (const patient of asList(data, 'patient_dtos') ?? []) {
    if (!isObject(patient)) continue;
    for (const encounter of asList(patient, 'fsi_encounter_dtos') ?? []) {
      if (!isObject(encounter)) continue;
      asList(encounter, 'fsi_diagnose_dtos');
      asList(encounter, 'fsi_order_dtos');
      asList(encounter, 'fsi_operation_dtos');
    }
  }
}

function pathOf(base: string, error: ErrorObject): string {
  let path = base;
  for (const segment of error.instancePath.split('/').slice(1)) {
    path += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  if (error.keyword === 'required') path += `.${(error.params as { missingProperty: string }).missingProperty}`;
  return path;
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
    default:
      return error.message ?? '格式错误';
  }
}

export function formatFieldErrors(errors: readonly FieldError[]): string {
  const shown = errors.slice(0, 20).map((e) => `${e.path}: ${e.message}`);
  if (errors.length > 20) shown.push(`…另有 ${errors.length - 20} 处错误`);
  return `入参校验失败: ${shown.join('; ')}`;
}

function run<T>(check: ValidateFunction, value: unknown, basePath: string): Validation<T> {
  if (check(value)) return { ok: true, value: value as T };
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const e of check.errors ?? []) {
    // anyOf failures repeat once per branch; the summary error carries the path.
    if (e.schemaPath.includes('/anyOf/')) continue;
    const fieldError = { path: pathOf(basePath, e), message: messageOf(e) };
    const key = `${fieldError.path}|${fieldError.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(fieldError);
    }
  }
  return { ok: false, errors, message: formatFieldErrors(errors) };
}

export function validateRequestEnvelope(body: unknown): Validation<RequestEnvelope> {
  if (!isObject(body)) {
    const errors = [{ path: '(body)', message: '请求体应为 JSON 对象' }];
    return { ok: false, errors, message: formatFieldErrors(errors) };
  }
  if (typeof body.infno === 'number') body.infno = String(body.infno);
  return run<RequestEnvelope>(checkEnvelope, body, '');
}

/** Validates (and coerces in place) a 3101/3102 `input`. */
export function validateAnalysisInput(input: unknown, basePath = 'input'): Validation<AnalysisInput> {
  tolerateAnalysis(input);
  return run<AnalysisInput>(checkAnalysis, input, basePath);
}

/** Validates (and coerces in place) a 3103 `input`. */
export function validateFeedbackInput(input: unknown, basePath = 'input'): Validation<FeedbackInput> {
  if (isObject(input) && isObject(input.data)) {
    asList(input.data, 'warns');
    if (typeof input.data.warn_type === 'number') input.data.warn_type = String(input.data.warn_type);
  }
  return run<FeedbackInput>(checkFeedback, input, basePath);
}
