import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { evening, flaggedRx, inpatient, type LineSpec, PAY_DAYS, resultsOf, run } from './support/requests';

// A 长期医嘱's cnt keeps its meaning when the doctor stamps a stop date on it (reviewer:
// /tmp/review-inpatient/req/s10_transfer_overlap90.json, s11_paydays_open.json, s11_paydays_stopped.json).
const lib = nationalLibrary();
const FREQ = 'GZ10000102014000';
const WARD_BED = '001109000010000'; // 普通病房床位费, 1/日
const NURSING_2 = '001201000040000'; // Ⅱ级护理, 1/日
const INPATIENT_VISIT_FEE = '001102000050000'; // 住院诊查费, 1/日
const ECG_MONITOR = '003107010220000'; // 心电监测, 24/小时
const OZAGREL = 'XB01AXA223B002010100156'; // 奥扎格雷钠注射液: 一个病程支付不超过 14 天

const WARD_ITEMS: [string, number, number][] = [
  [WARD_BED, 1, 30],
  [NURSING_2, 1, 20],
  [INPATIENT_VISIT_FEE, 1, 15],
  [ECG_MONITOR, 24, 3],
];

/** 转科 on 11-28: 神经内科's orders of 11-26 stopped at `stop`, 心血管内科's begun at 10:30. */
function transfer(stop: string): LineSpec[] {
  return WARD_ITEMS.flatMap(([code, cnt, pric], i) => [
    { code, rx_id: `N-${i}`, cnt, pric, long: true, date: '2026-11-26 09:00:00', stop, current: false },
    { code, rx_id: `C-${i}`, cnt, pric, long: true, date: '2026-11-28 10:30:00' },
  ]);
}
const freq = (lines: LineSpec[], day: number) =>
  resultsOf(
    run(lib, { ...inpatient('2026-11-26 08:00:00'), trig_scen: '5', lines }, undefined, '3101', evening(day)),
    FREQ,
  );

describe('a stopped order counts a day as it did while open (max_qty_per_period)', () => {
  it('转科 with 90 minutes of overlap on the day the old ward stops its orders: one bed, one 诊查费, 24 hours', () => {
    expect(freq(transfer('2026-11-28 12:00:00'), 28)).toEqual([]);
    // Stopped before the new orders begin, as before.
    expect(freq(transfer('2026-11-28 10:00:00'), 28)).toEqual([]);
  });

  it('a stopped bed order of cnt 1 beside a new one on an earlier day is 2 beds, never 1.33', () => {
    const lines: LineSpec[] = [
      {
        code: WARD_BED,
        rx_id: 'OLD',
        cnt: 1,
        pric: 30,
        long: true,
        date: '2026-11-26 09:00:00',
        stop: '2026-11-29 12:00:00',
        current: false,
      },
      { code: WARD_BED, rx_id: 'NEW', cnt: 1, pric: 30, long: true, date: '2026-11-28 10:30:00' },
    ];
    const [r] = freq(lines, 29);
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(r!.vola_cont).toBe('【普通病房床位费】限定频次 1/日，2026-11-28 累计 2 次，超出 1 次；共 2 天超出。');
    expect(r!.vola_amt).toBe(30);
  });

  it('心电监测 cnt 72 over 11-18..20 is still 24 a day (the run’s count), and 73 still a third of an hour over', () => {
    const ecg = (cnt: number) =>
      resultsOf(
        run(lib, {
          ...inpatient('2026-11-18 10:00:00'),
          lines: [
            {
              code: ECG_MONITOR,
              rx_id: 'RUN',
              cnt,
              pric: 3,
              long: true,
              date: '2026-11-18 10:00:00',
              stop: '2026-11-20 23:59:59',
            },
          ],
        }),
        FREQ,
      );
    expect(ecg(72)).toEqual([]);
    expect(ecg(73)[0]!.vola_cont).toContain('2026-11-18 累计 24.33 小时');
    // cnt 24 over the same three days is 24 hours a day, as while it ran open: within the limit either way.
    expect(ecg(24)).toEqual([]);
  });
});

describe('a stopped order owes what the same order owed open (max_pay_days)', () => {
  const course = (stop?: string) =>
    resultsOf(
      run(
        lib,
        {
          ...inpatient('2026-11-15 08:00:00'),
          diagnoses: ['I63.900'],
          trig_scen: '5',
          lines: [{ code: OZAGREL, rx_id: 'OZ', cnt: 2, pric: 20, long: true, date: '2026-11-15 09:00:00', stop }],
        },
        undefined,
        '3101',
        evening(30),
      ),
      PAY_DAYS,
    );

  it('奥扎格雷钠 cnt 2 ¥40 since 11-15: 40.00 open and 40.00 stopped on 11-30, same id and text', () => {
    const [open] = course();
    const [stopped] = course('2026-11-30 12:00:00');
    expect(open!.vola_amt).toBe(40);
    expect(stopped!.vola_amt).toBe(40);
    expect(stopped!.jr_id).toBe(open!.jr_id);
    expect(stopped!.vola_cont).toBe(open!.vola_cont);
    expect(open!.vola_cont).toContain('已用药 16 天，2026-11-29 起超出');
  });
});
