import type { ResponseEnvelope } from '@prealert/core';

const EMPTY_RESULT = '"result":[]';

/**
 * Puts results already written as JSON into the empty `"result":[]` of an envelope's text. The first occurrence is
 * the key: the header fields before `output` are ids and times, and a quote inside any string value is escaped.
 */
export function spliceResults(shell: string, resultJson: readonly string[]): string {
  const at = shell.indexOf(EMPTY_RESULT);
  return `${shell.slice(0, at)}"result":[${resultJson.join(',')}]${shell.slice(at + EMPTY_RESULT.length)}`;
}

/**
 * JSON.stringify(envelope), byte for byte, for an answer whose results are already JSON (NationalAnswer.resultJson):
 * the envelope is written with an empty result list and the results go in there.
 */
export function envelopeText(envelope: ResponseEnvelope, resultJson: readonly string[]): string {
  return spliceResults(
    JSON.stringify({ ...envelope, output: { ...(envelope.output as object), result: [] } }),
    resultJson,
  );
}
