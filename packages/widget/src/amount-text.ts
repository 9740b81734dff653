import { formatAmount } from './labels';
import type { JudgeResultDto } from './types';

/**
 * The card's amount line: formatAmount's (none for vola_amt 0, the data-quality checks, a field missing or a line
 * entered twice, nor for an amount not carried). One whose amount could not be computed says so.
 */
export function amountText(result: JudgeResultDto): string {
  return result.vola_amt_stas === '0' ? '金额待核' : formatAmount(result.vola_amt);
}
