import type { JudgeResultDto } from './types';

/** The panel's order of warnings: most severe first, then the larger amount at stake. */
export const severityOrder = (a: JudgeResultDto, b: JudgeResultDto): number =>
  Number(a.sev_deg) - Number(b.sev_deg) || amountForOrder(b) - amountForOrder(a);

/** A result shortened to fit carries no amount (NaN after result-intake): it sorts as ¥0, after those that do. */
const amountForOrder = (result: JudgeResultDto): number => (Number.isFinite(result.vola_amt) ? result.vola_amt : 0);
