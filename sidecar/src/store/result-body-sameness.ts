import type { RecordedResult } from './recorded-result';

// How a result's stored body is told apart from a later answer's result: by its JSON with the task id blanked,
// compared in place. Separate from the recorder, which only asks whether a body is the same, because the string
// work here is its own measured hot path.

const BLANK_TASK_ID = '"task_id":""';

/** The result's own `"task_id":<value>` as its JSON has it ('' for none): the same JSON.stringify wrote both. */
function taskIdText(result: RecordedResult): string {
  return result[4] === '' ? '' : `"task_id":${JSON.stringify(result[4])}`;
}

/**
 * A result's JSON with its task_id blanked (a task row holds the task id; see TaskStore). When the task id's text
 * occurs more than once (a field of an upstream result that repeats it) the result is blanked as an object instead.
 */
export function withoutTaskId(result: RecordedResult): string {
  const json = result[5];
  const needle = taskIdText(result);
  const at = needle === '' ? -1 : json.indexOf(needle);
  if (at < 0) return json;
  if (json.includes(needle, at + needle.length)) {
    return JSON.stringify({ ...(JSON.parse(json) as Record<string, unknown>), task_id: '' });
  }
  return `${json.slice(0, at)}${BLANK_TASK_ID}${json.slice(at + needle.length)}`;
}

/**
 * Whether a stored body (withoutTaskId of an earlier result) equals withoutTaskId(result), compared in place:
 * building the blanked copy of every result of every answer only to compare it made about 9 kB of garbage per
 * answer on the request thread, a fifth of all it allocated.
 */
export function sameBody(stored: string, result: RecordedResult): boolean {
  const json = result[5];
  const needle = taskIdText(result);
  const at = needle === '' ? -1 : json.indexOf(needle);
  if (at < 0) return stored === json;
  const end = at + needle.length;
  if (json.includes(needle, end)) return stored === withoutTaskId(result);
  // Prefix and suffix compared as slices with ===, which V8 does in bulk on the strings' memory; startsWith and
  // endsWith go character by character: 0.2 µs against 1.8 µs for a 600-character result (microbenchmark), about
  // 8 µs of the request thread's time per 5-result answer under bench:http load.
  return (
    stored.length === json.length - needle.length + BLANK_TASK_ID.length &&
    stored.startsWith(BLANK_TASK_ID, at) &&
    stored.slice(0, at) === json.slice(0, at) &&
    stored.slice(at + BLANK_TASK_ID.length) === json.slice(end)
  );
}
