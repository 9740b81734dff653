/**
 * The one edit distance of the local CSV checks: the header's near-miss columns (csv-header.ts) and the gz_code hint
 * (local-rule-code.ts), on the form's column names and the real codes of rule framework 1.0.
 */
import { readFramework } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { editDistance } from '../src/edit-distance';
import { localRuleCodeProblem } from '../src/local-rule-code';

/** 药品区分性别使用 and 医疗服务项目区分性别使用: one digit apart. */
const SEX_DRUG = 'GZ10000301004000';
const SEX_SERVICE = 'GZ10000302004000';

describe('editDistance', () => {
  it('counts a letter missing, extra or wrong as one edit, either way round', () => {
    for (const swap of ['one edit', 'two edits'] as const) {
      expect(editDistance('efective_to', 'effective_to', swap)).toBe(1);
      expect(editDistance('limit_valu', 'limit_value', swap)).toBe(1);
      expect(editDistance('limit_value', 'limit_valu', swap)).toBe(1);
      expect(editDistance('cod', 'code', swap)).toBe(1);
      expect(editDistance(SEX_DRUG, SEX_SERVICE, swap)).toBe(1);
      expect(editDistance(`${SEX_DRUG}0`, SEX_DRUG, swap)).toBe(1);
      expect(editDistance('yb_code', 'gz_code', swap)).toBe(2);
      expect(editDistance('code', 'code', swap)).toBe(0);
      expect(editDistance('', 'code', swap)).toBe(4);
      expect(editDistance('basis', '', swap)).toBe(5);
    }
  });

  it('counts a swap of neighbours as one edit for a header name, two for a code', () => {
    expect(editDistance('cdoe', 'code', 'one edit')).toBe(1);
    expect(editDistance('cdoe', 'code', 'two edits')).toBe(2);
    // Digits 9 and 10 of 药品区分性别使用's code swapped.
    expect(editDistance('GZ10000310004000', SEX_DRUG, 'one edit')).toBe(1);
    expect(editDistance('GZ10000310004000', SEX_DRUG, 'two edits')).toBe(2);
  });

  it('ranks the gz_code hint as before: a swapped pair of digits is two wrong digits', () => {
    // Counted as one edit, 药品区分性别使用 (the code meant) would come first; counted by digits it ties at two with
    // codes earlier in the framework, which the hint has always listed first.
    const framework = new Map(readFramework().map((r) => [r.code, r]));
    const message = localRuleCodeProblem('GZ10000310004000', '本院性别限定', framework);
    expect(message).toMatch(
      /最接近的框架编码：GZ10000101004000（[^）]+）、GZ10000102004000（[^）]+）、GZ10000301004000（药品区分性别使用）；/,
    );
  });
});
