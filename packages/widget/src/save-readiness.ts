import type { WarningDecision } from './types';

/**
 * Why the prescription may or may not be saved as it stands:
 * - `checking`: an analysis of the latest edit is running; the warnings shown may be those of the order before it.
 * - `unanswered`: a warning shown now is open, answered 返回修改 (the order must change first), or its 3103 was
 *   refused by the sidecar (no answer).
 * - `answered`: every warning is answered 继续执行 (some 3103s may still be on their way: `pending`).
 * - `no-warnings`: the last analysis found nothing, or none has run.
 * - `unavailable`: the sidecar gave no usable answer; prescribing does not wait for it (fail-open).
 */
export type SaveReadinessReason = 'checking' | 'unanswered' | 'answered' | 'no-warnings' | 'unavailable';

export interface SaveReadiness {
  ready: boolean;
  reason: SaveReadinessReason;
  /** Warnings with no answer. */
  open: number;
  /** Warnings answered 返回修改 on the analysis shown: change the order, then it is analysed again. */
  modify: number;
  /** Warnings whose 3103 the sidecar refused: to be answered again. */
  refused: number;
  /** 继续执行 answers not yet recorded by the sidecar; the widget keeps resending them, saving need not wait. */
  pending: number;
}

/**
 * Where the doctor's answer to one warning shown now stands (`decisions` holds the answers to the warnings of the
 * analysis shown, undefined where there is none):
 * - `open`: no answer;
 * - `refused`: its 3103 was refused by the sidecar, so it is no answer (answer it again);
 * - `modify`: 返回修改 on this analysis (change the order first);
 * - `continue-pending`: 继续执行, its 3103 not yet recorded (the widget resends it);
 * - `continue`: 继续执行, recorded.
 */
export type AnswerStanding = 'open' | 'refused' | 'modify' | 'continue-pending' | 'continue';

export function answerStanding(answer: WarningDecision | undefined): AnswerStanding {
  if (answer === undefined) return 'open';
  if (answer.delivery === 'rejected') return 'refused';
  if (answer.disposition === 'modify') return 'modify';
  return answer.delivery === 'recorded' ? 'continue' : 'continue-pending';
}

/**
 * One rule for every HIS: a 继续执行 still on its way counts (the widget retries it until recorded, and prescribing
 * never waits for the sidecar), a 返回修改 does not (the doctor said she would change the order).
 */
export function saveReadiness(state: {
  checking: boolean;
  unavailable: boolean;
  answers: readonly (WarningDecision | undefined)[];
}): SaveReadiness {
  const counts = { open: 0, modify: 0, refused: 0, pending: 0 };
  for (const answer of state.answers) {
    const standing = answerStanding(answer);
    if (standing === 'continue-pending') counts.pending += 1;
    else if (standing !== 'continue') counts[standing] += 1;
  }
  const blocked = counts.open + counts.modify + counts.refused > 0;
  const reason: SaveReadinessReason = state.checking
    ? 'checking'
    : state.unavailable
      ? 'unavailable'
      : blocked
        ? 'unanswered'
        : state.answers.length > 0
          ? 'answered'
          : 'no-warnings';
  return { ready: reason !== 'checking' && reason !== 'unanswered', reason, ...counts };
}

export function sameReadiness(a: SaveReadiness | undefined, b: SaveReadiness): boolean {
  return (
    a !== undefined &&
    a.ready === b.ready &&
    a.reason === b.reason &&
    a.open === b.open &&
    a.modify === b.modify &&
    a.refused === b.refused &&
    a.pending === b.pending
  );
}
