import { randomUUID } from 'node:crypto';
import { MAX_TASK_ID_LENGTH } from '@prealert/core';

/**
 * The response header naming the id a 3101/3102 answer was recorded under (the task_id it sent, else the stand-in
 * below). A header, not a body field: Java HIS commonly read the answer with Jackson, whose default
 * FAIL_ON_UNKNOWN_PROPERTIES refuses a field a gateway never sends, and a refused answer loses every warning.
 * plugins/cors.ts exposes it to pages on other origins.
 */
export const TASK_ID_HEADER = 'X-Prealert-Task-Id';

/** The header's value: percent-encoded (encodeURIComponent), since a task_id may hold what a header cannot carry. */
export const taskIdHeaderValue = (taskId: string): string => encodeURIComponent(taskId);

/**
 * The id a 3101/3102 answer is recorded under, and so found by (/v1/tasks/:task_id, /ui/reminder/:task_id).
 * task_id is optional (N) and often left out: recorded under "" every such answer replaced the one before, and the
 * reminder page showed whichever patient was analysed last. The envelope's msgid stands in (the spec's vendors
 * reuse it as task_id, and the HIS knows it), else an id of this call's own. A blank task_id counts as none.
 */
export function recordedTaskId(taskId: string, msgid: unknown): string {
  if (taskId.trim() !== '') return taskId;
  const message = typeof msgid === 'number' && Number.isFinite(msgid) ? String(msgid) : msgid;
  // Only a msgid the task routes can be asked for, as a task_id must be (core's MAX_TASK_ID_LENGTH).
  if (typeof message === 'string' && message.trim() !== '' && [...message].length <= MAX_TASK_ID_LENGTH) return message;
  return randomUUID();
}
