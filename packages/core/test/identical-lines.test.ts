import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, inpatient, resultsOf, run } from './support/requests';

/**
 * 结算明细信息异常 「同一项目同日同金额重复录入」: a line entered twice is a double entry, but a ward doctor's 临时 and
 * 长期 order of one drug on one day (long_drord_flag 0 and 1) are two orders and not flagged.
 */
const lib = nationalLibrary();
const DYDROGESTERONE = 'XG03DBD084A001010102180'; // 地屈孕酮片

function doubleEntries(longFlags: [boolean, boolean]) {
  const outcome = run(lib, {
    ...inpatient('2026-11-18 08:00:00'),
    gend: '2',
    lines: longFlags.map((long, i) => ({
      code: DYDROGESTERONE,
      name: '地屈孕酮片',
      rx_id: `R${i + 1}`,
      pric: 80,
      long,
      date: '2026-11-20 09:00:00',
    })),
  });
  return resultsOf(outcome).filter((r) => r.vola_cont.includes('同一项目同日同金额重复录入'));
}

describe('identical lines', () => {
  it('a 临时 and a 长期 order of one drug on one day are not a double entry', () => {
    expect(doubleEntries([false, true])).toEqual([]);
    expect(doubleEntries([true, false])).toEqual([]);
  });

  it('the same line twice still is, 临时 or 长期', () => {
    for (const flags of [
      [false, false],
      [true, true],
    ] as [boolean, boolean][]) {
      const [r, ...more] = doubleEntries(flags);
      expect(more).toEqual([]);
      expect(r!.rule_name).toBe('结算明细信息异常');
      expect(r!.vola_cont).toBe('数据质量：同一项目同日同金额重复录入：地屈孕酮片。');
    }
  });
});

/**
 * The same code and amount on one day is not enough: a line entered twice also has the same begin time and group
 * (grpno). 葡萄糖测定 four times a day and an infusion in two groups are orders, not double entries; reviewed with
 * /tmp/review-rules/req/dq_glucose_4x.json and dq_two_groups.json.
 */
const GLUCOSE = '002503020010000'; // 葡萄糖测定
const BUTYLPHTHALIDE = 'XN07XXD221B002010102774'; // 丁苯酞氯化钠注射液
const WARD_ROUND = '001102000050000'; // 住院诊查费, 限定频次 1/日
const FREQUENCY = 'GZ10000102014000'; // 医疗服务项目限定频次

function flagged(lines: { code: string; name: string; date: string; grpno?: string; pric?: number }[]) {
  const outcome = run(lib, {
    ...inpatient('2026-11-18 08:00:00'),
    diagnoses: ['E11.900'],
    lines: lines.map((l, i) => ({ ...l, rx_id: `L${i}`, pric: l.pric ?? 5 })),
  });
  return resultsOf(outcome);
}

const doubles = (results: ReturnType<typeof flagged>) =>
  results.filter((r) => r.vola_cont.includes('同一项目同日同金额重复录入'));

describe('identical lines: begin time and group', () => {
  const glucose = (date: string) => ({ code: GLUCOSE, name: '葡萄糖测定', date });

  it('葡萄糖测定 at 07:00, 11:00, 17:00 and 21:00 (5.00 each) is four orders', () => {
    const times = ['07:00', '11:00', '17:00', '21:00'].map((t) => glucose(`2026-11-20 ${t}:00`));
    expect(doubles(flagged(times))).toEqual([]);
  });

  it('葡萄糖测定 twice at 07:00 is still one line entered twice, and so is a date sent without a time', () => {
    const [r] = doubles(flagged([glucose('2026-11-20 07:00:00'), glucose('2026-11-20 07:00:00')]));
    expect(r!.vola_cont).toBe('数据质量：同一项目同日同金额重复录入：葡萄糖测定。');
    expect(r!.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['L1']);
    expect(doubles(flagged([glucose('2026-11-20'), glucose('2026-11-20')]))).toHaveLength(1);
  });

  it('丁苯酞氯化钠注射液 in group 1 at 09:00 and group 2 at 21:00, or in two groups at one time, is two orders', () => {
    const infusion = (grpno: string, date: string) => ({
      code: BUTYLPHTHALIDE,
      name: '丁苯酞氯化钠注射液',
      grpno,
      date,
    });
    const apart = [infusion('1', '2026-11-20 09:00:00'), infusion('2', '2026-11-20 21:00:00')];
    expect(doubles(flagged(apart))).toEqual([]);
    const together = [infusion('1', '2026-11-20 09:00:00'), infusion('2', '2026-11-20 09:00:00')];
    expect(doubles(flagged(together))).toEqual([]);
    // The same group at the same time is the line twice.
    const twice = [infusion('1', '2026-11-20 09:00:00'), infusion('1', '2026-11-20 09:00:00')];
    expect(doubles(flagged(twice))).toHaveLength(1);
  });

  it('住院诊查费 twice a day is said once, by 限定频次, whether at two times or entered twice', () => {
    const round = (date: string) => ({ code: WARD_ROUND, name: '住院诊查费', date, pric: 20 });
    for (const second of ['2026-11-20 09:00:00', '2026-11-20 07:00:00']) {
      const results = flagged([round('2026-11-20 07:00:00'), round(second)]);
      expect(results.filter((r) => r.rule_id === FREQUENCY)).toHaveLength(1);
      expect(doubles(results)).toEqual([]);
    }
  });

  it('a double entry of an item without a frequency limit still comes as 数据质量', () => {
    const results = flagged([glucose('2026-11-20 07:00:00'), glucose('2026-11-20 07:00:00')]);
    expect(results.filter((r) => r.rule_id === FREQUENCY)).toEqual([]);
    expect(doubles(results)).toHaveLength(1);
  });
});

/**
 * A transfer day (转科) charged by both wards: 普通病房床位费 and 住院诊查费, each 1/日, sent by 神经内科 (context) and
 * 心血管内科 (current). Each doubled line is flagged by its own 限定频次 card; no one card flags both, and the 数据质量
 * card must not come back restating them (/tmp/review-inpatient/req/s14_two_items_double.json).
 */
describe('identical lines on a transfer day: each line covered by some frequency card', () => {
  const BED = '001109000010000'; // 普通病房床位费, 限定频次 1/日
  const ward = (prefix: string, dept: string, current: boolean) => [
    {
      code: BED,
      name: '普通病房床位费',
      rx_id: `${prefix}28-BED`,
      pric: 30,
      dept,
      current,
      date: '2026-11-28 00:00:00',
    },
    {
      code: WARD_ROUND,
      name: '住院诊查费',
      rx_id: `${prefix}28-DX`,
      pric: 20,
      dept,
      current,
      date: '2026-11-28 00:00:00',
    },
  ];
  const transferDay = (extra: { code: string; name: string; rx_id: string; current: boolean }[] = []) =>
    resultsOf(
      run(
        lib,
        {
          ...inpatient('2026-11-27 08:00:00'),
          diagnoses: ['I63.900', 'I50.900'],
          trig_scen: '4',
          lines: [
            ...ward('N', 'N01', false),
            ...ward('C', 'C01', true),
            ...extra.map((l) => ({ ...l, pric: 5, date: '2026-11-28 07:00:00' })),
          ],
        },
        undefined,
        '3101',
        new Date('2026-11-28T12:00:00Z'),
      ),
    );

  it('bed and 诊查费 both doubled: two 限定频次 cards and no 数据质量 card', () => {
    const results = transferDay();
    const frequency = results.filter((r) => r.rule_id === FREQUENCY);
    expect(frequency.flatMap(flaggedRx).sort()).toEqual(['C28-BED', 'C28-DX']);
    expect(frequency).toHaveLength(2);
    expect(doubles(results)).toEqual([]);
  });

  it('a third doubled line no frequency card covers keeps the 数据质量 card, naming only that line', () => {
    const results = transferDay([
      { code: GLUCOSE, name: '葡萄糖测定', rx_id: 'N28-GLU', current: false },
      { code: GLUCOSE, name: '葡萄糖测定', rx_id: 'C28-GLU', current: true },
    ]);
    expect(results.filter((r) => r.rule_id === FREQUENCY)).toHaveLength(2);
    const [r, ...more] = doubles(results);
    expect(more).toEqual([]);
    expect(r!.vola_cont).toBe('数据质量：同一项目同日同金额重复录入：葡萄糖测定。');
    expect(flaggedRx(r!)).toEqual(['C28-GLU']);
  });
});
