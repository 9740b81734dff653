import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { type LineSpec, resultsOf, run } from './support/requests';

/**
 * 药品种类超标 is one question per prescription: its jr_id is the rule, the encounter and the rxno, so a drug added to
 * or removed from a prescription already over the limit keeps the id (a 继续执行 given once stands), while another
 * prescription or another encounter is another question.
 */
const lib = nationalLibrary();
const DRUGS: [string, string][] = [
  ['XA10BJA085B002010106474', '艾塞那肽注射液'],
  ['XC09CAA284A001010100553', '阿利沙坦酯片'],
  ['XA02BCA084A012010100453', '艾普拉唑肠溶片'],
  ['XJ01DDL014B001010100609', '注射用拉氧头孢钠'],
  ['XN02BEA139A001010103094', '氨酚帕马溴片'],
  ['ZA05CAC0029010102312', '参附注射液'],
  ['XG03DBD084A001010102180', '地屈孕酮片'],
  ['ZH01AAB0066010100716', '疤痕止痒软化膏'],
];

function overLimit(count: number, rxno = 'CF0001', mdtrt_id = 'MDTRT-1') {
  const lines: LineSpec[] = DRUGS.slice(0, count).map(([code, name], i) => ({ code, name, rx_id: `R${i + 1}`, rxno }));
  const found = resultsOf(run(lib, { gend: '2', mdtrt_id, lines })).filter((r) => r.rule_name === '药品种类超标');
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('药品种类超标 asks once per prescription', () => {
  it('adding or removing a drug keeps the jr_id', () => {
    const six = overLimit(6);
    const seven = overLimit(7);
    const eight = overLimit(8);
    expect(seven.vola_cont).toContain('开具 7 种药品');
    expect(seven.jr_id).toBe(six.jr_id);
    expect(eight.jr_id).toBe(six.jr_id);
    // Every counted line is still named in the details.
    expect(eight.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(DRUGS.map((_, i) => `R${i + 1}`));
  });

  it('another prescription or another encounter is another question', () => {
    const base = overLimit(6).jr_id;
    expect(overLimit(6, 'CF0002').jr_id).not.toBe(base);
    expect(overLimit(6, 'CF0001', 'MDTRT-2').jr_id).not.toBe(base);
  });
});

describe('药品种类超标 names the drugs', () => {
  it('all of them up to six, else the first five and 等', () => {
    expect(overLimit(6).vola_cont).toBe(
      '门诊处方 CF0001 开具 6 种药品（【艾塞那肽注射液】【阿利沙坦酯片】【艾普拉唑肠溶片】【注射用拉氧头孢钠】【氨酚帕马溴片】【参附注射液】），超过每张处方 5 种的限制。',
    );
    expect(overLimit(8).vola_cont).toBe(
      '门诊处方 CF0001 开具 8 种药品（【艾塞那肽注射液】【阿利沙坦酯片】【艾普拉唑肠溶片】【注射用拉氧头孢钠】【氨酚帕马溴片】等），超过每张处方 5 种的限制。',
    );
  });
});
