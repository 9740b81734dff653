import {
  diagnoseSchema,
  encounterSchema,
  orderSchema,
  patientSchema,
  tolerateAnalysis,
  validateAnalysisInput,
  validateAnalysisInputByAjv,
} from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { decimalNumber, fastCheckAnalysis } from '../src/envelope/fast-validate';
import { analysisInput } from './support/requests';

type Json = Record<string, unknown>;

const APALUTAMIDE = 'XL02BBA326A001010102180';
const EJIAO = 'T001700233';
const VISIT_FEE = '001102000050000';

function baseInputs(): Json[] {
  return [
    analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, cnt: '2', pric: '100.50', sumamt: '201.00' }] }),
    analysisInput({
      lines: [
        { code: EJIAO, type: '102', cnt: 10, pric: 3 },
        { code: VISIT_FEE, cnt: ' 1 ', pric: '0x10', current: false },
      ],
      history: [{ mdtrt_id: 'OLD', lines: [{ code: APALUTAMIDE, date: '2026-10-01' }] }],
    }),
  ] as unknown as Json[];
}

/** Where each field lives in the base input, with its schema. */
function holders(input: Json): { name: string; holder: Json; schema: { properties: object } }[] {
  const data = input.data as Json;
  const patient = (data.patient_dtos as Json[])[0]!;
  const encounter = (patient.fsi_encounter_dtos as Json[])[0]!;
  return [
    { name: 'order', holder: (encounter.fsi_order_dtos as Json[])[0]!, schema: orderSchema },
    { name: 'diagnose', holder: (encounter.fsi_diagnose_dtos as Json[])[0]!, schema: diagnoseSchema },
    { name: 'encounter', holder: encounter, schema: encounterSchema },
    { name: 'patient', holder: patient, schema: patientSchema },
  ];
}

const VALUES: unknown[] = [
  undefined,
  '',
  '   ',
  null,
  0,
  12.5,
  '12.5',
  ' 3 ',
  '0x10',
  'abc',
  true,
  false,
  {},
  [],
  [1],
  '1e400',
  JSON.parse('1e400'), // Infinity, as a JSON number 1e400 arrives
  '-1e16',
  1e15,
  '999999999999999',
  2e15,
];

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Runs the production path and ajv alone on copies of one input; they must agree on verdict, errors and values. */
function agree(input: Json, label: string): boolean {
  const viaFast = clone(input);
  const viaAjv = clone(input);
  const a = validateAnalysisInput(viaFast);
  const b = validateAnalysisInputByAjv(viaAjv);
  expect(a.ok, label).toBe(b.ok);
  if (!a.ok && !b.ok) expect(a.errors, label).toEqual(b.errors);
  expect(viaFast, label).toEqual(viaAjv);
  // The fast walk alone: never "valid" where ajv is not, and when valid it leaves what ajv leaves.
  const fastOnly = clone(input);
  tolerateAnalysis(fastOnly);
  const sure = fastCheckAnalysis(fastOnly);
  if (sure) {
    expect(b.ok, label).toBe(true);
    expect(fastOnly, label).toEqual(viaAjv);
  }
  return sure;
}

describe('the hand-written validator agrees with ajv', () => {
  it('accepts the realistic inputs itself (no fallback) and coerces them exactly as ajv does', () => {
    for (const [i, input] of baseInputs().entries()) expect(agree(input, `base ${i}`), `base ${i}`).toBe(true);
  });

  it('every field of every schema, set to each kind of value, gets the same verdict, errors and coerced values', () => {
    let cases = 0;
    for (const base of baseInputs()) {
      for (const { name, schema } of holders(base)) {
        for (const key of Object.keys(schema.properties)) {
          for (const value of VALUES) {
            const input = clone(base);
            const target = holders(input).find((h) => h.name === name)!.holder;
            if (value === undefined) delete target[key];
            else target[key] = clone(value);
            agree(input, `${name}.${key} = ${JSON.stringify(value)}`);
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });

  it('visits every string and number field of the schemas: an object there is never taken as valid', () => {
    for (const { name, schema } of holders(baseInputs()[0]!)) {
      for (const [key, prop] of Object.entries(schema.properties as Record<string, { type?: string }>)) {
        if (prop.type !== 'string' && prop.type !== 'number') continue;
        const input = baseInputs()[0]!;
        holders(input).find((h) => h.name === name)!.holder[key] = { not: 'a scalar' };
        expect(fastCheckAnalysis(input), `${name}.${key}`).toBe(false);
        expect(validateAnalysisInputByAjv(clone(input)).ok, `${name}.${key}`).toBe(false);
      }
    }
  });

  it('request-level shapes: trig_scen and rule_ids forms, missing and empty lists', () => {
    const variants: [string, (d: Json) => void][] = [
      ['trig_scen list of numbers', (d) => (d.trig_scen = [1, 5])],
      ['trig_scen null', (d) => (d.trig_scen = null)],
      ['trig_scen object', (d) => (d.trig_scen = {})],
      ['rule_ids number', (d) => (d.rule_ids = 5)],
      ['rule_ids list', (d) => (d.rule_ids = ['GZ10000301004000'])],
      ['rule_ids list of numbers and null', (d) => (d.rule_ids = [10000301004000, null, true])],
      ['rule_ids list holding an object', (d) => (d.rule_ids = ['GZ10000301004000', {}])],
      ['no patients', (d) => (d.patient_dtos = [])],
      ['patient not an object', (d) => (d.patient_dtos = ['x'])],
      ['task_id number', (d) => (d.task_id = 42)],
      ['no data', (d) => delete d.patient_dtos],
    ];
    for (const [label, change] of variants) {
      const input = baseInputs()[0]!;
      change(input.data as Json);
      agree(input, label);
    }
    agree({ data: 'x' } as Json, 'data not an object');
    agree({} as Json, 'empty');
  });
});

describe('decimalNumber gives exactly the double `+s` gives', () => {
  it('for amounts and counts as HIS clients print them, and every shape it leaves to `+s`', () => {
    const samples: string[] = [
      '0',
      '-0',
      '0.00',
      '12.50',
      '-1.5',
      '00012',
      '3',
      '0.1',
      '0.3',
      '2.675',
      '1.005',
      '999999999999999',
      '99999999999999.9',
      '9999999999999999',
      '0.1234567890123456789',
      '123456789012345678',
      '1.',
      '.5',
      '-',
      '--1',
      '1e3',
      '1E-2',
      ' 1',
      '1 ',
      '0x10',
      '0b1',
      'Infinity',
      '-Infinity',
      '1,5',
      '１２',
      '1.2.3',
      'abc',
      '+5',
      '٣',
      '.50',
      '-.5',
      '-1.',
      '1..5',
      '1.5.',
      '12.5a',
      'a2.50',
      '-',
      '.',
      '..',
      '-.',
      '1.-5',
      '12.-5',
      '9999999999999.99',
      '99999999999999.99',
      '-9999999999999.99',
      '999999999999999.9',
    ];
    // Every cent amount up to 100,000.00 with 0–3 decimals, and negatives: the whole range a price field takes.
    for (let cents = 0; cents <= 10_000_000; cents += 7) {
      const text = (cents / 100).toFixed(cents % 4);
      samples.push(text, `-${text}`);
    }
    let mismatches = 0;
    for (const s of samples) if (!Object.is(decimalNumber(s), +s)) mismatches++;
    expect(mismatches).toBe(0);
    expect(Object.is(decimalNumber('-0'), -0)).toBe(true);
    expect(decimalNumber('12.50')).toBe(12.5);
    expect(decimalNumber('1e3')).toBe(1000);
    expect(decimalNumber('abc')).toBeNaN();
  });
});
