import { Ajv, type ValidateFunction } from 'ajv';
import type { AnalysisOutput, ResponseEnvelope } from './national-types';
import { analysisOutputSchema, analysisResponseSchema, responseEnvelopeSchema } from './response-schemas';
import { type FieldError, fieldErrorsOf, formatFieldErrors, type Validation } from './validate';

// A separate instance without coercion: reading an answer must not rewrite it.
const ajv = new Ajv({ allErrors: true, strict: false });
const checkResponse: ValidateFunction = ajv.compile(responseEnvelopeSchema);
const checkOutput: ValidateFunction = ajv.compile(analysisOutputSchema);
const checkAnalysisResponse: ValidateFunction = ajv.compile(analysisResponseSchema);

function answer<T>(check: ValidateFunction, value: unknown, basePath: string): Validation<T> {
  if (check(value)) return { ok: true, value: value as T };
  const errors: FieldError[] = fieldErrorsOf(check, basePath);
  return { ok: false, errors, message: formatFieldErrors(errors) };
}

/** The common response envelope of any transaction (infcode, err_msg, …); `output` is not looked into. */
export function validateResponseEnvelope(body: unknown): Validation<ResponseEnvelope<unknown>> {
  return answer(checkResponse, body, '');
}

/** A 3101/3102 `output` (result as an array, a single object or null). */
export function validateAnalysisOutput(output: unknown, basePath = 'output'): Validation<AnalysisOutput> {
  return answer(checkOutput, output, basePath);
}

/** A whole 3101/3102 answer: the envelope and its output. */
export function validateAnalysisResponse(body: unknown): Validation<ResponseEnvelope<AnalysisOutput>> {
  return answer(checkAnalysisResponse, body, '');
}
