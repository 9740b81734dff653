/**
 * Property-based tests of the 3101/3102 input path on mutations of real HIS-shaped envelopes (support/fuzz.ts).
 *
 * 1. The hand-written fast validator and ajv give the same verdict, the same errors and the same coerced values
 *    (the invariant of fast-validate.test.ts, on generated inputs); an accepted input is accepted again unchanged.
 * 2. validate → analyze never throws; a refusal names the fields (every error has a path under `input` and a
 *    message of at most 200 characters, and `message` names the paths); an answer passes the output schema, with
 *    one result per jr_id.
 *
 * Defaults: a fixed seed, 2,000 and 1,500 runs (about 6 s); FUZZ_RUNS / FUZZ_SEED override them (support/fuzz.ts).
 */
import {
  type AnalysisInput,
  analyze,
  validateAnalysisInput,
  validateAnalysisInputByAjv,
  validateAnalysisOutput,
} from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analysisEnvelope } from '../../../sidecar/test/fixtures/his-requests';
import { fuzzParameters, fuzzTimeout, mutate, type Plan, plans, sparse, toJsonText } from './support/fuzz';
import { nationalLibrary } from './support/national';
import { analysisInput, type LineSpec } from './support/requests';

type Json = Record<string, unknown>;

/**
 * One line (two where a pair is what a check looks at) for the first point of every limit kind in the national
 * library, so that every check runs on the mutated lines: sex, age, visit type, pay days, incision groups, time
 * windows, frequencies, second line, TCM, indications. Plus a history encounter and long-term orders.
 */
function everyKindInput(): Json {
  const firstCodes = new Map<string, string[]>();
  for (const kp of loadNationalLibrary().knowledgePoints) {
    if (!firstCodes.has(kp.limit.kind)) firstCodes.set(kp.limit.kind, kp.codes.slice(0, 2));
  }
  const lines: LineSpec[] = [];
  for (const codes of firstCodes.values()) {
    lines.push({ code: codes[0]!, cnt: '2', pric: '12.50' });
    lines.push({ code: codes[1] ?? codes[0]!, cnt: 1, pric: 3, long: true, date: '2026-11-18 10:00:00' });
  }
  return analysisInput({
    gend: '2',
    brdy: '2020-05-01',
    med_type: '21',
    med_mdtrt_type: '2',
    medins_lv: '1',
    diagnoses: ['I10.x00', 'E11.900'],
    lines,
    history: [{ mdtrt_id: 'ZY-OLD', lines: lines.slice(0, 6).map((l) => ({ ...l, date: '2026-10-01 08:00:00' })) }],
  }) as unknown as Json;
}

/** HIS-shaped fixtures with real national codes. */
const FULL: Json[] = [
  analysisEnvelope({ encounterId: 'MZ-FUZZ-1' }).input as Json,
  analysisEnvelope({ encounterId: 'MZ-FUZZ-2', infno: '3102', singleObjects: true, lines: 3, firing: 1 }).input as Json,
  analysisEnvelope({ encounterId: 'MZ-FUZZ-3', lines: 12, firing: 4 }).input as Json,
  everyKindInput(),
];
/** The `input` of each base envelope: each fixture as sent in full, and by a HIS that fills only what it must. */
const BASES: Json[] = [...FULL, ...FULL.map(sparse)];

/** The plan's `input` as the JSON text a HIS sends (the wrapper lets a mutation replace the input itself). */
function inputText(plan: Plan): string {
  return toJsonText(mutate({ input: BASES[plan.base]! }, plan.mutations));
}

function parsedInput(text: string): unknown {
  return (JSON.parse(text) as { input?: unknown }).input;
}

const NOW = new Date('2026-03-15T02:00:00Z');

/** The refusal names its fields: a path under `input` and a message on every error, and the paths in `message`. */
function expectNamedErrors(outcome: { errors: { path: string; message: string }[]; message: string }, label: string) {
  expect(outcome.errors.length, label).toBeGreaterThan(0);
  for (const e of outcome.errors) {
    expect(typeof e.path === 'string' && e.path !== '', `${label}: ${JSON.stringify(e)}`).toBe(true);
    expect(e.path === 'input' || e.path.startsWith('input.'), `${label}: ${JSON.stringify(e)}`).toBe(true);
    expect(typeof e.message === 'string' && e.message.trim() !== '', `${label}: ${JSON.stringify(e)}`).toBe(true);
    expect(e.message.length, `${label}: ${e.message.slice(0, 300)}`).toBeLessThanOrEqual(200);
  }
  expect(
    outcome.errors.some((e) => outcome.message.includes(e.path)),
    `${label}: ${outcome.message}`,
  ).toBe(true);
}

describe('fuzz: the fast validator and ajv agree on mutated real envelopes', () => {
  const RUNS = 2000;
  it(
    'same verdict, same errors, same coerced values',
    () => {
      let accepted = 0;
      let total = 0;
      fc.assert(
        fc.property(plans(BASES.length), (plan) => {
          const text = inputText(plan);
          // Two independent copies, as two requests with the same bytes would be.
          const viaFast = parsedInput(text);
          const viaAjv = parsedInput(text);
          const fast = validateAnalysisInput(viaFast);
          const ajv = validateAnalysisInputByAjv(viaAjv);
          expect(fast.ok).toBe(ajv.ok);
          if (!fast.ok && !ajv.ok) expect(fast.errors).toEqual(ajv.errors);
          expect(viaFast).toEqual(viaAjv);
          total++;
          if (!fast.ok) return;
          accepted++;
          // Coercion is idempotent: what was accepted (and coerced) is accepted again, unchanged.
          const twice = parsedInput(text);
          validateAnalysisInput(twice);
          expect(validateAnalysisInput(twice).ok).toBe(true);
          expect(twice).toEqual(viaFast);
        }),
        fuzzParameters(RUNS),
      );
      // The mutations must leave both kinds of outcome common, or one side of the property is barely tested.
      expect(accepted / total).toBeGreaterThan(0.15);
      expect(accepted / total).toBeLessThan(0.85);
    },
    fuzzTimeout(RUNS, 50),
  );
});

describe('fuzz: validate → analyze never throws on mutated real envelopes, and a refusal names its fields', () => {
  const RUNS = 1500;
  it(
    'no throw; errors with a path and a message; a valid answer that passes the output schema',
    () => {
      const library = nationalLibrary();
      const seen = { refused: 0, rejectedByAnalyze: 0, answered: 0, withResults: 0 };
      fc.assert(
        fc.property(plans(BASES.length), fc.constantFrom<'3101' | '3102'>('3101', '3102'), (plan, infno) => {
          const input = parsedInput(inputText(plan));
          const valid = validateAnalysisInput(input);
          // "__proto__" and "constructor" keys stay data: nothing reaches Object.prototype.
          expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
          if (!valid.ok) {
            seen.refused++;
            expectNamedErrors(valid, 'validate');
            return;
          }
          const outcome = analyze(library, valid.value as AnalysisInput, { infno, now: NOW });
          if (!outcome.ok) {
            seen.rejectedByAnalyze++;
            expectNamedErrors(outcome, 'analyze');
            return;
          }
          seen.answered++;
          if (outcome.output.result.length > 0) seen.withResults++;
          const output = JSON.parse(JSON.stringify(outcome.output));
          const checked = validateAnalysisOutput(output);
          expect(checked.ok, checked.ok ? '' : checked.message).toBe(true);
          // jr_id is the id a 3103 answers (违规标识, 唯一): two results of one answer never share one.
          const jrIds = outcome.output.result.map((r) => r.jr_id);
          expect(new Set(jrIds).size, jrIds.join(' ')).toBe(jrIds.length);
        }),
        fuzzParameters(RUNS),
      );
      // Each branch is reached often enough to mean something.
      expect(seen.refused).toBeGreaterThan(0);
      expect(seen.rejectedByAnalyze).toBeGreaterThan(0);
      expect(seen.withResults).toBeGreaterThan(0);
    },
    fuzzTimeout(RUNS, 100),
  );
});
