import { describe, expect, it } from 'vitest';
import { formatAmount as sdkFormatAmount } from '../../client/src/read-result';
import { formatAmount } from '../src/labels';

describe("the widget's formatAmount", () => {
  it("is the SDK's, so a HIS's own card shows amounts as <prealert-reminder>'s card does", () => {
    expect(formatAmount).toBe(sdkFormatAmount);
  });

  it('shows no amount for vola_amt 0 (nothing at stake) nor for none, and yuan otherwise', () => {
    expect(formatAmount(0)).toBe('');
    expect(formatAmount(Number.NaN)).toBe('');
    expect(formatAmount(380)).toBe('¥380.00');
  });
});
