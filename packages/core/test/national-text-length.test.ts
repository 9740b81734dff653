import { describe, expect, it } from 'vitest';
import { clipChars, cutToChars, fitMessage } from '../src/evaluate/national-text-length';
import { nationalLibrary } from './support/national';
import { resultsOf, run } from './support/requests';

/**
 * vola_cont and vola_evid are 字符 500 (3101-3103.md §3.1). Published restrictions run to 800 characters; the
 * reminder quoting one keeps its end (the diagnoses sent, what the doctor is asked) and shortens the quotation.
 */
const lib = nationalLibrary();
const INDICATION = 'GZ10000101008000';
const TISLELIZUMAB = 'XL01FFT190B002010182097'; // 替雷利珠单抗注射液: an 800-character restriction
const TORIPALIMAB = 'XL01FFT181B002010181823'; // 特瑞普利单抗注射液: 524 characters
const ALLISARTAN = 'XC09CAA284A001010100553'; // 阿利沙坦酯片: a short one

const chars = (s: string) => Array.from(s).length;

function indicationReminder(code: string) {
  const [r, ...more] = resultsOf(run(lib, { diagnoses: ['J06.900'], lines: [{ code, rx_id: 'R1' }] }), INDICATION);
  expect(more).toEqual([]);
  return r!;
}

describe('national text lengths (vola_cont, vola_evid: 500 characters)', () => {
  it('a reminder quoting an 800-character restriction fits, its quotation shortened and its ending kept', () => {
    for (const code of [TISLELIZUMAB, TORIPALIMAB]) {
      const r = indicationReminder(code);
      expect(chars(r.vola_cont), code).toBeLessThanOrEqual(500);
      expect(chars(r.vola_cont), code).toBeGreaterThan(480);
      expect(r.vola_cont, code).toMatch(/^【[^】]+】为限适应症支付药品（限：1\./);
      expect(r.vola_cont, code).toMatch(/…），本次诊断为 J06\.900 诊断，请确认患者符合支付条件。$/);
      expect(chars(r.vola_evid), code).toBeLessThanOrEqual(500);
      expect(r.vola_evid.endsWith('…'), code).toBe(true);
    }
  });

  it('a short reminder is unchanged', () => {
    const r = indicationReminder(ALLISARTAN);
    expect(r.vola_cont).toBe(
      '【阿利沙坦酯片】为限适应症支付药品（限轻、中度原发性高血压），本次诊断为 J06.900 诊断，请确认患者符合支付条件。',
    );
    expect(r.vola_evid).toBe('限轻、中度原发性高血压。');
  });

  it('counts characters, never splitting a surrogate pair, and cuts a text without the quotation at its end', () => {
    const rare = '𠀀'.repeat(600);
    const cut = cutToChars(rare);
    expect(chars(cut)).toBe(500);
    expect(cut.endsWith('𠀀…')).toBe(true);
    expect(fitMessage('甲'.repeat(600), ['乙'])).toBe(`${'甲'.repeat(499)}…`);
    expect(fitMessage('甲'.repeat(500), [undefined])).toBe('甲'.repeat(500));
    // A diagnosis name is clipped by characters too.
    expect(clipChars('𠀀'.repeat(25), 20)).toBe(`${'𠀀'.repeat(20)}…`);
    expect(clipChars('𠀀'.repeat(20), 20)).toBe('𠀀'.repeat(20));
  });

  it('shortens whichever text the sentence quotes: a second-line sentence quotes the basis, not the limit text', () => {
    const limitText = '限二线使用';
    const basis = `限${'乙'.repeat(600)}的二线用药。`;
    const message = `【某药】限二线使用（${basis.slice(0, -1)}），未见同一药理分类其他药品的既往使用记录。`;
    const fitted = fitMessage(message, [limitText, basis]);
    expect(Array.from(fitted).length).toBe(500);
    expect(fitted).toMatch(/^【某药】限二线使用（限乙+…），未见同一药理分类其他药品的既往使用记录。$/);
  });
});
