import { randomUUID } from 'node:crypto';

/**
 * The answer's extension field naming the id a 3101/3102 was recorded under, when that is not the task_id it
 * sent (it sent none). A body field, as `prealert_retry`: the native shim hands the HIS the body, and a page on
 * another origin cannot read a header the CORS answer does not expose. National clients ignore it.
 */
export const TASK_ID_FIELD = 'prealert_task_id';

/**
 * The id a 3101/3102 answer is recorded under, and so found by (/v1/tasks/:task_id, /ui/reminder/:task_id).
 * task_id is optional (N) and often left out: recorded under "" every such answer replaced the one before, and the
 * reminder page showed whichever patient was analysed last. The envelope's msgid stands in (the spec's vendors
 * reuse it as task_id, and the HIS knows it), else an id of this call's own. A blank task_id counts as none.
 */
export function recordedTaskId(taskId: string, msgid: unknown): string {
  if (taskId.trim() !== '') return taskId;
  const message = typeof msgid === 'number' && Number.isFinite(msgid) ? String(msgid) : msgid;
  if (typeof message === 'string' && message.trim() !== '') return message;
  return randomUUID();
}
