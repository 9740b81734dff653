/**
 * The 3103 (warning feedback) for a doctor's answer, as the feedback sender queues it. Apart from the element because
 * what goes into a 3103 is one concept: the element only decides when an answer is sent.
 */
import { buildEnvelope } from './envelope';
import type { FeedbackItem } from './feedback-sender';
import type { TrackedDecision } from './tracked-decision';
import type { FeedbackEnvelopeFields, JudgeResultDto } from './types';

let decisionSerial = 0;

/** What the element's settings put into a 3103, read when the answer is given. */
export interface FeedbackSettings {
  /** warn_type: 1 for a 3101 analysis, 2 for a 3102 one. */
  warnType: '1' | '2';
  /** The sidecar's base URL (sidecarBase): where the 3103 goes and its stored copy is kept. */
  sidecar: string;
  /** Header fields of the 3103 envelope (fixmedins_code, opter …). */
  envelope: FeedbackEnvelopeFields;
}

export function decisionFeedback(
  result: JudgeResultDto,
  decision: TrackedDecision,
  settings: FeedbackSettings,
): FeedbackItem {
  const { disposition, reason } = decision;
  const input = {
    data: {
      warn_type: settings.warnType,
      warns: [{ warn_rslt_id: result.jr_id, dspo_way: disposition === 'continue' ? '1' : '2', dspo_way_rea: reason }],
    },
  };
  const createdAt = Date.now();
  return {
    id: `${result.jr_id}:${createdAt}:${++decisionSerial}:${Math.random().toString(36).slice(2, 8)}`,
    jrId: result.jr_id,
    version: decision.version,
    ...(decision.encounter === undefined ? {} : { encounter: decision.encounter }),
    createdAt,
    sidecar: settings.sidecar,
    // Built now, not at each attempt: the 经办人 (opter) is the doctor who decided, even if the HIS has logged in
    // another doctor by the time the sidecar answers again.
    request: buildEnvelope('3103', input, { ...settings.envelope }),
  };
}
