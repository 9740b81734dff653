import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldError } from '../envelope/validate';

const level = { enum: [1, 2, 3] };
const codes = { type: 'array', items: { type: 'string' } };
const wholeNumber = { type: 'integer', minimum: 0 };

/**
 * A partial EvaluatorConfig as a workstation's configuration file gives it. Strict: an unknown key is a typo (a
 * misspelt `ruleOverrides` would silently leave the national defaults on), and an impact or severity outside the
 * national values would reach the HIS as wf_impact and decide whether a 3103 needs a reason.
 */
export const evaluatorConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ageCeilings: {
      type: 'object',
      additionalProperties: false,
      properties: { neonateMaxDays: wholeNumber, infantBelowYears: wholeNumber, childMaxYears: wholeNumber },
    },
    employmentAge: {
      type: 'object',
      additionalProperties: false,
      properties: { minYears: wholeNumber, maxYears: wholeNumber },
    },
    insurance: {
      type: 'object',
      additionalProperties: false,
      properties: { maternityInsutypes: codes, workInjuryInsutypes: codes },
    },
    hospitalLevel: level,
    medinsLevelMap: { type: 'object', additionalProperties: level },
    specialtyHospital: codes,
    internetVisit: {
      type: 'object',
      additionalProperties: false,
      properties: { medTypes: codes, deptCodes: codes, medinsCodes: codes },
    },
    payDays: {
      type: 'object',
      additionalProperties: false,
      properties: { episodeGapDays: wholeNumber },
    },
    ruleOverrides: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          severity: level,
          impact: { enum: ['notice', 'confirm', 'reason', 'block'] },
          scenes: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 10 } },
        },
      },
    },
  },
} as const;

let check: ValidateFunction | undefined;

/** Where an evaluator configuration is wrong, each error naming its path under `basePath`; empty when it is right. */
export function checkEvaluatorConfig(value: unknown, basePath: string): FieldError[] {
  check ??= new Ajv({ allErrors: true, strict: false }).compile(evaluatorConfigSchema);
  if (check(value)) return [];
  return (check.errors ?? []).map((e) => ({ path: pathOf(basePath, e), message: messageOf(e) }));
}

function pathOf(base: string, error: ErrorObject): string {
  let path = base;
  for (const segment of error.instancePath.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    path += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  if (error.keyword === 'additionalProperties')
    path += `.${(error.params as { additionalProperty: string }).additionalProperty}`;
  return path;
}

function messageOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a known setting';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}
