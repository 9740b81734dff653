/**
 * Whether reminder `r` was asked again (reasked_task) after its decision `d`, as SQL. Answers and decisions are
 * ordered by task ids, which only grow (records.ts gives them past every stored one and past the start time), not
 * by the wall clock: a clock set back (NTP correcting a fast PC clock) would date an answer received after a
 * decision before it. A decision stores the last task id written when it was made (after_task); an answer re-asks
 * with its own (reasked_task). Rows from before those columns (NULL) keep the order by time they were written with,
 * and a decision from before them precedes every answer re-asked since.
 */
export function reaskedAfterDecision(r: string, d: string): string {
  return `COALESCE(CASE WHEN ${r}.reasked_task IS NOT NULL
                          THEN ${d}.after_task IS NULL OR ${r}.reasked_task > ${d}.after_task
                        WHEN ${d}.after_task IS NULL THEN ${r}.reasked_at > ${d}.at
                        ELSE 0 END, 0)`;
}

/** Whether the answer `task` (its id) was received after decision `d`. */
export function answeredAfterDecision(task: string, d: string): string {
  return `(${d}.after_task IS NULL OR ${d}.after_task < ${task})`;
}

/** The order of a decision made now: after every answer written so far (task ids), before every later one. */
export const DECISION_AFTER_TASK = '(SELECT COALESCE(MAX(id), 0) FROM tasks)';
