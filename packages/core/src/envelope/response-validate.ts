import { Ajv, type ValidateFunction } from 'ajv';
import type { AnalysisOutput, ResponseEnvelope } from './national-types';
import { analysisOutputSchema, analysisResponseSchema, responseEnvelopeSchema } from './response-schemas';
import { type FieldError, fieldErrorsOf, formatFieldErrors, type Validation } from './validate';

// A separate instance without coercion: reading an answer must not rewrite it. Compiled on first use: only readers
// of answers (an SDK, a gateway client) need these, not the service that writes them.
let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();

function compiledFor(schema: object): ValidateFunction {
  let check = compiled.get(schema);
  if (check === undefined) {
    ajv ??= new Ajv({ allErrors: true, strict: false });
    check = ajv.compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

function answer<T>(schema: object, value: unknown, basePath: string): Validation<T> {
  const check = compiledFor(schema);
  if (check(value)) return { ok: true, value: value as T };
  const errors: FieldError[] = fieldErrorsOf(check, basePath);
  return { ok: false, errors, message: formatFieldErrors(errors) };
}

/** The common response envelope of any transaction (infcode, err_msg, …); `output` is not looked into. */
export function validateResponseEnvelope(body: unknown): Validation<ResponseEnvelope<unknown>> {
  return answer(responseEnvelopeSchema, body, '');
}

/** A 3101/3102 `output` (result as an array, a single object or null). */
export function validateAnalysisOutput(output: unknown, basePath = 'output'): Validation<AnalysisOutput> {
  return answer(analysisOutputSchema, output, basePath);
}

/** A whole 3101/3102 answer: the envelope and its output. */
export function validateAnalysisResponse(body: unknown): Validation<ResponseEnvelope<AnalysisOutput>> {
  return answer(analysisResponseSchema, body, '');
}
