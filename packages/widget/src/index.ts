import { defineReminderElement } from './reminder-element';

export { buildEnvelope } from './envelope';
export {
  DEFAULT_OTHER_REASON,
  DEFAULT_REASONS,
  FAILURE_LABELS,
  formatAmount,
  IMPACT_HINTS,
  SEVERITY_LABELS,
} from './labels';
export {
  composeReason,
  DEFAULT_CONFIRM_REASON,
  MAX_REASON_LENGTH,
  REASON_SEPARATOR,
  type ReasonCheck,
  type ReasonField,
  type ReasonInput,
  textBudget,
} from './reason';
export { defineReminderElement, PrealertReminderElement, REMINDER_TAG } from './reminder-element';
export { ensureRowStyles, ROW_STYLES, RowHighlighter, type RowResolver } from './row-highlighter';
export {
  type AnswerStanding,
  answerStanding,
  type SaveReadiness,
  type SaveReadinessReason,
  saveReadiness,
} from './save-readiness';
export {
  callService,
  DEFAULT_TIMEOUTS_MS,
  type FailureReason,
  SERVICE_PATH,
  type ServiceCallOptions,
  type ServiceEnvelope,
  type ServiceOutcome,
  type ServiceOutput,
} from './service-call';
export type * from './types';
export type { LineLabel, LineLabelObject } from './warning-card';

// Dropping the bundle into a page is enough to use <prealert-reminder>.
defineReminderElement();
