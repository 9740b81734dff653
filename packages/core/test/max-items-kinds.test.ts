import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { type LineSpec, resultsOf, run } from './support/requests';

/**
 * 药品种类超标 counts kinds of drug: two pack sizes of one product (酮洛芬凝胶贴膏 …0101 04942 and …0201 04942, which
 * differ only in the 规格/包装 characters before the enterprise) are one drug, counted and named once. Reviewed with
 * /tmp/review-rules/req/maxitems_5kinds_6lines.json.
 */
const lib = nationalLibrary();
const FOUR: [string, string][] = [
  ['XA02BCA084A012010100453', '艾普拉唑肠溶片'],
  ['XC09CAA284A001010100553', '阿利沙坦酯片'],
  ['XL04AXB209A001010109640', '吡非尼酮片'],
  ['XB01ACB040A001010100549', '贝前列素钠片'],
];
const KETOPROFEN_PACKS = ['XM01AET056V006010104942', 'XM01AET056V006010204942'];

function overLimit(lines: LineSpec[]) {
  const all = lines.map((l, i) => ({ ...l, rx_id: `L${i}`, rxno: 'RX1' }));
  return resultsOf(run(lib, { diagnoses: ['I10.x00'], lines: all })).filter((r) => r.rule_name === '药品种类超标');
}

const four = FOUR.map(([code, name]) => ({ code, name }));
const ketoprofen = KETOPROFEN_PACKS.map((code) => ({ code, name: '酮洛芬凝胶贴膏' }));

describe('药品种类超标 counts a drug, not its packs', () => {
  it('five drugs on six lines (two packs of 酮洛芬凝胶贴膏) are within the limit of 5', () => {
    expect(overLimit([...four, ...ketoprofen])).toEqual([]);
  });

  it('six drugs on seven lines are six kinds, the two packs named once and both lines flagged', () => {
    const [r, ...more] = overLimit([...four, ...ketoprofen, { code: 'XN02BEA139A001010103094', name: '氨酚帕马溴片' }]);
    expect(more).toEqual([]);
    expect(r!.vola_cont).toBe(
      '门诊处方 RX1 开具 6 种药品（【艾普拉唑肠溶片】【阿利沙坦酯片】【吡非尼酮片】【贝前列素钠片】【酮洛芬凝胶贴膏】【氨酚帕马溴片】），超过每张处方 5 种的限制。',
    );
    expect(r!.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
  });

  it('the same drug of another enterprise is another product, another kind', () => {
    // Same generic and form, another enterprise (…00453 → …00454): another product.
    const otherMaker = { code: 'XA02BCA084A012010100454', name: '艾普拉唑肠溶片' };
    expect(overLimit([...four, ketoprofen[0]!, otherMaker])).toHaveLength(1);
  });

  it('a hospital preparation (自制剂, a local code) is counted by its name', () => {
    const prep = (code: string) => ({ code, name: '复方甘草合剂', type: '103' });
    expect(overLimit([...four, prep('HZJ0001'), prep('HZJ0002')])).toEqual([]);
    expect(overLimit([...four, prep('HZJ0001'), { ...prep('HZJ0003'), name: '川贝枇杷合剂' }])).toHaveLength(1);
  });
});
