/**
 * The element's record of an answer (a WarningDecision with what it needs to know which analysis and encounter it
 * answers) and the rules that tell whether it still answers a warning as shown now. Kept apart from the element so
 * the rule (返回修改 answers only its own analysis) reads in one place.
 */

import { encounterKey } from './encounter-memory';
import type { FeedbackItem } from './feedback-sender';
import type { Disposition, JudgeResultDto, WarningDecision } from './types';

export interface TrackedDecision extends WarningDecision {
  version: number;
  /** The analysis (task_id) the decision was made on; undefined for one recorded before the task shown. */
  forTask: string | undefined;
  /**
   * The encounter of the warning answered (encounterKey: patn_id with mdtrt_id), undefined when the result carries
   * none: decisions of encounters shown too long ago are let go.
   */
  encounter: string | undefined;
}

/** The analysis a shown warning belongs to; `shownTask` is the task_id of the analysis shown now. */
export function taskOf(result: JudgeResultDto, shownTask: string): string {
  return result.task_id || shownTask;
}

/**
 * The decision that answers the warning as shown now. 返回修改 answers only the analysis it was made on: when a
 * later analysis still finds the warning, the order was not changed enough (or not at all) and the doctor must
 * answer again; counting the old 返回修改 would let a `block` or a required reason through. 继续执行 carries over,
 * as the sidecar carries it (prior_dspo).
 */
export function answerOf(
  decision: TrackedDecision | undefined,
  result: JudgeResultDto,
  shownTask: string,
): TrackedDecision | undefined {
  if (decision?.disposition === 'modify' && decision.forTask !== taskOf(result, shownTask)) return undefined;
  return decision;
}

/** The answers to `results` in their order, as the host sees them (without the element's bookkeeping). */
export function decisionsInOrder(
  results: readonly JudgeResultDto[],
  answer: (result: JudgeResultDto) => TrackedDecision | undefined,
): (WarningDecision | undefined)[] {
  return results.map((r) => {
    const decision = answer(r);
    if (!decision) return undefined;
    const { version: _version, forTask: _forTask, encounter: _encounter, ...shown } = decision;
    return shown;
  });
}

/** A shown warning's answer from an earlier page, still on its way. */
export function replayedDecision(item: FeedbackItem, result: JudgeResultDto, shownTask: string): TrackedDecision {
  const warn = (item.request.input as { data?: { warns?: { dspo_way?: string; dspo_way_rea?: string }[] } }).data
    ?.warns?.[0];
  const disposition: Disposition = warn?.dspo_way === '1' ? 'continue' : 'modify';
  return {
    jrId: item.jrId,
    disposition,
    reason: warn?.dspo_way_rea ?? '',
    delivery: 'queued',
    at: new Date(item.createdAt).toISOString(),
    version: item.version,
    // A 返回修改 answers the analysis it was given on, which this page never showed.
    forTask: disposition === 'continue' ? taskOf(result, shownTask) : undefined,
    // The result's own encounter: a page from before encounters named the patient stored the bare mdtrt_id.
    encounter: encounterKey(result) || undefined,
  };
}
