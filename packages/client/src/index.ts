export { createPrealertClient, DEFAULT_SERVICE_PATH, HARD_TIMEOUT_CEILING_MS, PrealertClient } from './client';
export { EnvelopeBuilder, formatInfTime } from './envelope';
export {
  canContinue,
  checkFeedback,
  type Decision,
  type Disposition,
  type FeedbackCheck,
  MAX_REASON_LENGTH,
  reasonRequired,
  toFeedbackData,
} from './feedback';
export {
  attachWarnings,
  type LineRole,
  type LineWarning,
  linesOf,
  unmatchedLines,
  warningsByLine,
  worstSeverityByLine,
} from './order-lines';
export { formatAmount, readAmount, readResult } from './read-result';
export { type ParsedAnswer, parseAnswer } from './response';
export { countBySeverity, IMPACT_LABELS, SEVERITY_LABELS, sortBySeverity } from './severity';
export type * from './types';
export { type AnalysisSnapshot, VanishedWarnings, type VanishedWarningsOptions } from './vanished';
