/**
 * Which texts maskIdNumbers takes for a 居民身份证 number (review-security F5): the ID as a Chinese IME's full-width
 * mode types it, grouped by spaces or hyphens, or in the 15-digit first-generation form; and which numbers a doctor
 * writes in a reason it leaves alone.
 */
import { describe, expect, it } from 'vitest';
import { maskIdNumbers } from '../src/logging';

describe('maskIdNumbers', () => {
  it.each([
    ['ASCII, 18', '患者110105198503122421坚持', '患者[redacted]坚持'],
    ['lower-case x', '44030619790817153x', '[redacted]'],
    ['trailing X', '尾X 11010519491231002X。', '尾X [redacted]。'],
    ['full-width', '全角１１０１０５１９８５０３１２２４２１；', '全角[redacted]；'],
    ['full-width X', '１１０１０５１９４９１２３１００２Ｘ', '[redacted]'],
    ['spaces', '空格 110105 19850312 2421；', '空格 [redacted]；'],
    ['hyphens', '短横 110105-19850312-2421；', '短横 [redacted]；'],
    ['full-width hyphens and ideographic spaces', '１１０１０５－１９８５０３１２　２４２１', '[redacted]'],
    ['4-4-4-4-2 groups', '1101 0519 8503 1224 21', '[redacted]'],
    ['15 digits', '十五位 110105850312242；', '十五位 [redacted]；'],
    ['15 digits grouped', '110105 850312 242', '[redacted]'],
    ['an ID then a phone number', '110105198503122421 13800138000', '[redacted] 13800138000'],
    ['in a task id', 'T-１１０１０５１９８５０３１２２４２１', 'T-[redacted]'],
  ])('masks %s', (_what, text, masked) => {
    expect(maskIdNumbers(text)).toBe(masked);
  });

  it.each([
    ['a dose and a date', '剂量 0.5g tid，复查 2026-11-30'],
    ['a phone number', '电话 13800138000，138-0013-8000，0755-12345678'],
    ['a date and a phone number', '2026-11-30 13800138000'],
    ['phone numbers side by side', '138 0013 8000 139 0013 9000'],
    ['an order number of 15 digits', '单号 202611301234567'],
    ['a 16-digit card number', '6222 0212 3456 7890'],
    ['a longer run', 'H44030600001202611301000001'],
    ['a grouped 18 with a wrong check character', '110105 19850312 2422'],
    ['a grouped 18 with no real date', '110105-19850231-2421'],
    ['15 digits without a real province', '990105850312242'],
    ['15 digits without a real date', '110105851332242'],
    ['circled digits', '①①⓪①⓪⑤①⑨⑧⑤⓪③①②②④②①'],
    ['an amount', '金额 1,101,051,985,031,224.21'],
  ])('leaves %s', (_what, text) => {
    expect(maskIdNumbers(text)).toBe(text);
  });
});
