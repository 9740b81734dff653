import type { PriorAnswered } from '@prealert/client/vanished';
import { encounterKey } from './encounter-memory';
import type { FeedbackItem } from './feedback-sender';
import { replayedDecision, type TrackedDecision, taskOf } from './tracked-decision';
import type { JudgeResultDto, ShowOptions } from './types';

/**
 * show()'s replay of answers given before this page showed the warnings: those the sidecar holds (`dispositions`),
 * those an earlier page left undelivered, and those the sidecar marks as continued earlier in the encounter
 * (`prior_dspo`). Apart from the element because deciding which earlier answer stands for a warning is one rule with
 * three sources, and the element only needs its outcome in its decisions.
 */

/** What the element lends the replay: the analysis shown, its version counter and its 3103 queue. */
export interface AnswerReplayContext {
  /** The analysis shown now (show()'s taskId): an answer given on it answers its warnings. */
  taskId: string;
  /** The element's next decision version: a delivery report for an older version is ignored. */
  nextVersion: () => number;
  /** The answer to a warning waiting in the 3103 queue (FeedbackSender.queuedFor). */
  queuedFor: (jrId: string) => FeedbackItem | undefined;
}

/**
 * Adds to `decisionsByJr` the earlier answers to `results`: the sidecar's recorded ones over any it holds as recorded
 * (one still being sent is the newer and is kept), then answers queued by an earlier page and prior_dspo marks where
 * it holds none.
 */
export function replayEarlierAnswers(
  decisionsByJr: Map<string, TrackedDecision>,
  results: readonly JudgeResultDto[],
  options: ShowOptions,
  { taskId, nextVersion, queuedFor }: AnswerReplayContext,
): void {
  const encounterOf = new Map(results.map((r) => [r.jr_id, encounterKey(r) || undefined]));
  const taskCreated = options.taskCreatedAt ? Date.parse(options.taskCreatedAt) : Number.NaN;
  for (const [jrId, recorded] of Object.entries(options.dispositions ?? {})) {
    const known = decisionsByJr.get(jrId);
    if (known && known.delivery !== 'recorded') continue;
    // The sidecar keeps one decision per jr_id, whichever analysis it was given on: one older than this task
    // was given on an earlier analysis.
    const earlier = recorded.at !== undefined && Date.parse(recorded.at) < taskCreated;
    decisionsByJr.set(jrId, {
      jrId,
      disposition: recorded.dspo_way === '1' ? 'continue' : 'modify',
      reason: recorded.dspo_way_rea ?? '',
      delivery: 'recorded',
      at: recorded.at ?? new Date().toISOString(),
      version: nextVersion(),
      forTask: earlier ? undefined : taskId,
      encounter: encounterOf.get(jrId),
    });
  }
  for (const result of results) {
    // An answer an earlier page left undelivered (being sent again now) answers its warning here too.
    const replayed = decisionsByJr.has(result.jr_id) ? undefined : queuedFor(result.jr_id);
    if (replayed) decisionsByJr.set(result.jr_id, replayedDecision(replayed, result, taskId));
  }
  for (const result of results as readonly PriorAnswered[]) {
    // The sidecar marks a warning the doctor already continued in this encounter; do not ask twice.
    if (result.prior_dspo !== true || result.dspo_way !== '1' || decisionsByJr.has(result.jr_id)) continue;
    decisionsByJr.set(result.jr_id, {
      jrId: result.jr_id,
      disposition: 'continue',
      reason: result.dspo_way_rea ?? '',
      delivery: 'recorded',
      at: new Date().toISOString(),
      version: nextVersion(),
      forTask: taskOf(result, taskId),
      encounter: encounterKey(result) || undefined,
    });
  }
}
