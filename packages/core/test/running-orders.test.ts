import { describe, expect, it } from 'vitest';
import { currentLongOrder, earlierLongOrder } from './support/long-orders';
import { nationalLibrary } from './support/national';
import { evening, flaggedRx, inpatient, involvedRx, type LineSpec, resultsOf, run } from './support/requests';

// Per-day limits (限定频次) of long-term orders, replayed from the inpatient audit (/tmp/inpatient-audit/out2:
// 001-R1-reorg, 001..003-T1-transfer-bed, 006..008-P3; out/043-A-d24-3102).
const lib = nationalLibrary();
const FREQ = 'GZ10000102014000';

const WARD_BED = '001109000010000'; // 普通病房床位费, 1/日
const INPATIENT_VISIT_FEE = '001102000050000'; // 住院诊查费, 1/日
const ECG_MONITOR = '003107010220000'; // 心电监测, 24/小时

const stay = inpatient('2026-11-20 09:00:00');
const freq = (lines: LineSpec[], day: number, infno: '3101' | '3102' = '3101') =>
  resultsOf(run(lib, { ...stay, lines }, undefined, infno, evening(day)), FREQ);

describe('orders of one item that follow one another do not add up (1/日)', () => {
  it('术后重整医嘱: bed and 诊查 orders stopped 08:30 and re-entered at 12:00 are one a day', () => {
    const lines: LineSpec[] = [WARD_BED, INPATIENT_VISIT_FEE].flatMap((code, i) => [
      earlierLongOrder(code, `PRE-${i}`, 50, '2026-11-21 20:10:00', { stop: '2026-11-22 08:30:00' }),
      currentLongOrder(code, `POST-${i}`, 50, '2026-11-22 12:00:00'),
    ]);
    expect(freq(lines, 22)).toEqual([]);
  });

  it('转科: the old ward’s bed order stopped 14:00 and the new one from 14:10, whatever the old order’s cnt', () => {
    for (const cnt of [1, 2, 3]) {
      const lines: LineSpec[] = [
        earlierLongOrder(WARD_BED, 'OLD', 50, '2026-11-20 09:40:00', { cnt, stop: '2026-11-22 14:00:00' }),
        currentLongOrder(WARD_BED, 'NEW', 50, '2026-11-22 14:10:00'),
      ];
      expect(freq(lines, 22), `old cnt ${cnt}`).toEqual([]);
    }
  });

  it('转科 hand-over: the new ward’s bed order from 14:00 and the old one stopped 14:05 or 16:00 is one bed; running beside it the day before is two', () => {
    const handOver = (stop: string): LineSpec[] => [
      earlierLongOrder(WARD_BED, 'OLD', 50, '2026-11-20 09:40:00', { cnt: 3, stop }),
      currentLongOrder(WARD_BED, 'NEW', 50, '2026-11-22 14:00:00'),
    ];
    expect(freq(handOver('2026-11-22 14:05:00'), 22)).toEqual([]);
    expect(freq(handOver('2026-11-22 14:59:00'), 22)).toEqual([]);
    // Re-pinned deliberately: a 2-hour overlap on the day the old order stops was two beds; any overlap on its last
    // day is now a hand-over (endOf in checks/max-qty-per-period.ts).
    expect(freq(handOver('2026-11-22 16:00:00'), 22)).toEqual([]);
    // Stopped a day later (cnt 1: one a day), the two ran side by side on 11-22: two beds that day.
    const [old, next] = handOver('2026-11-23 10:00:00');
    const [r] = freq([{ ...old!, cnt: 1 }, next!], 22);
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(involvedRx(r!)).toEqual(['OLD']);
    expect(r!.vola_cont).toBe('【普通病房床位费】限定频次 1/日，2026-11-22 累计 2 次，超出 1 次。');
  });

  it('a hand-over across midnight: new order 23:30, old stopped 00:10 the next day, is one bed on each day', () => {
    const lines: LineSpec[] = [
      earlierLongOrder(WARD_BED, 'OLD', 50, '2026-11-20 09:40:00', { cnt: 3, stop: '2026-11-22 00:10:00' }),
      currentLongOrder(WARD_BED, 'NEW', 50, '2026-11-21 23:30:00'),
    ];
    expect(freq(lines, 22)).toEqual([]);
  });

  it('a stop-dated bed order and a second one begun while it runs add up; a second open line is its execution', () => {
    // Re-pinned deliberately: a second open line of the item begun while an open order runs was a second bed
    // ("累计 2 次"); it is now that order's execution on its day (endDayCharges), counting only beyond its cnt.
    const first: LineSpec = earlierLongOrder(WARD_BED, 'FIRST', 50, '2026-11-20 09:40:00');
    const second: LineSpec = currentLongOrder(WARD_BED, 'SECOND', 50, '2026-11-22 08:00:00');
    // A stop-dated first order (cnt 5 over 11-20..24, one a day) runs beside the second on 11-22: two beds.
    const [r] = freq([{ ...first, cnt: 5, stop: '2026-11-24 09:40:00' }, second], 22);
    expect(flaggedRx(r!)).toEqual(['SECOND']);
    expect(involvedRx(r!)).toEqual(['FIRST']);
    expect(r!.vola_cont).toBe('【普通病房床位费】限定频次 1/日，2026-11-22 累计 2 次，超出 1 次。');
    expect(r!.vola_amt).toBe(50);
    // Open, the second is the first's use on 11-22, begun the same day or days later, in any scene.
    for (const trig_scen of ['4', '5', '']) {
      const out = run(lib, { ...stay, trig_scen, lines: [first, second] }, undefined, '3101', evening(22));
      expect(resultsOf(out, FREQ), `trig_scen ${trig_scen}`).toEqual([]);
    }
    expect(freq([first, { ...second, date: '2026-11-20 15:00:00' }], 22)).toEqual([]);
    // An execution of two beds is one beyond the order's one.
    const [twice] = freq([first, { ...second, cnt: 2 }], 22);
    expect(flaggedRx(twice!)).toEqual(['SECOND']);
    expect(twice!.vola_cont).toBe('【普通病房床位费】限定频次 1/日，2026-11-22 累计 2 次，超出 1 次。');
    expect(twice!.vola_amt).toBe(50);
  });
});

describe('a running long-term order counts on every day up to the request day', () => {
  it('心电监测 running since 11-20 plus a one-off 24 h on 11-22 is 48 hours that day', () => {
    const lines: LineSpec[] = [
      earlierLongOrder(ECG_MONITOR, 'RUNNING', 5, '2026-11-20 10:00:00', { cnt: 24 }),
      { code: ECG_MONITOR, rx_id: 'ONEOFF', cnt: 24, pric: 5, date: '2026-11-22 08:00:00' },
    ];
    const [r] = freq(lines, 22);
    expect(flaggedRx(r!)).toEqual(['ONEOFF']);
    expect(involvedRx(r!)).toEqual(['RUNNING']);
    expect(r!.vola_cont).toContain('2026-11-22 累计 48 小时，超出 24 小时');
    expect(r!.vola_amt).toBe(120);
  });

  it('a running bed order plus a one-off bed charge on 11-22 is two beds that day', () => {
    const lines: LineSpec[] = [
      earlierLongOrder(WARD_BED, 'RUNNING', 50, '2026-11-20 09:40:00'),
      { code: WARD_BED, rx_id: 'ONEOFF', pric: 50, date: '2026-11-22 08:00:00' },
    ];
    expect(flaggedRx(freq(lines, 22)[0]!)).toEqual(['ONEOFF']);
  });

  it('a second long-term 心电监测 begun on 11-22 while the first runs (24 a day to its stop on 11-23) is flagged', () => {
    const lines: LineSpec[] = [
      earlierLongOrder(ECG_MONITOR, 'RUNNING', 5, '2026-11-20 10:00:00', { cnt: 96, stop: '2026-11-23 10:00:00' }),
      currentLongOrder(ECG_MONITOR, 'SECOND', 5, '2026-11-22 08:00:00', { cnt: 24 }),
    ];
    const [r] = freq(lines, 22);
    expect(flaggedRx(r!)).toEqual(['SECOND']);
    expect(r!.vola_cont).toContain('2026-11-22 累计 48 小时');
    expect(r!.vola_amt).toBe(120);
  });
});

describe('the 涉及项 of a per-day result are the lines that counted on that day', () => {
  it('3102: a second bed charge on 11-24 names that day’s other charge only, not the charges of 11-20..23', () => {
    const lines: LineSpec[] = [20, 21, 22, 23].map((d) =>
      earlierLongOrder(WARD_BED, `BED-${d}`, 50, `2026-11-${d} 23:00:00`),
    );
    lines.push(
      currentLongOrder(WARD_BED, 'BED-24', 50, '2026-11-24 23:00:00'),
      currentLongOrder(WARD_BED, 'BED-24b', 50, '2026-11-24 23:00:00'),
    );
    const [r] = freq(lines, 24, '3102');
    expect(flaggedRx(r!)).toEqual(['BED-24b']);
    expect(involvedRx(r!)).toEqual(['BED-24']);
    expect(r!.vola_cont).toContain('2026-11-24 累计 2 次');
  });

  it('3101: a one-off 心电监测 on 11-22 names the order running that day, not one stopped on 11-21', () => {
    const lines: LineSpec[] = [
      earlierLongOrder(ECG_MONITOR, 'STOPPED', 5, '2026-11-20 10:00:00', { cnt: 24, stop: '2026-11-21 10:00:00' }),
      earlierLongOrder(ECG_MONITOR, 'RUNNING', 5, '2026-11-21 10:00:00', { cnt: 24 }),
      { code: ECG_MONITOR, rx_id: 'ONEOFF', cnt: 24, pric: 5, date: '2026-11-22 08:00:00' },
    ];
    const [r] = freq(lines, 22);
    expect(flaggedRx(r!)).toEqual(['ONEOFF']);
    expect(involvedRx(r!)).toEqual(['RUNNING']);
  });
});
