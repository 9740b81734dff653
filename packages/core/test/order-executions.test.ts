import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { evening, flaggedRx, inpatient, involvedRx, type LineSpec, resultsOf, run } from './support/requests';

// The nurse station (住院执行医嘱, 3101 trig_scen 5) sends the running 长期医嘱 as context (spec §2.6) with the day's
// executions (reviewer: /tmp/review-inpatient/req/s9_nurse_exec_day2.json, s9_nurse_exec_day3.json,
// s7_mixed_order_and_charge.json).
const lib = nationalLibrary();
const FREQ = 'GZ10000102014000';
const WARD_BED = '001109000010000'; // 普通病房床位费, 1/日
const NURSING_2 = '001201000040000'; // Ⅱ级护理, 1/日
const ECG_MONITOR = '003107010220000'; // 心电监测, 24/小时

const ITEMS: [string, number, number][] = [
  [WARD_BED, 1, 30],
  [NURSING_2, 1, 20],
  [ECG_MONITOR, 24, 3],
];
const orders: LineSpec[] = ITEMS.map(([code, cnt, pric], i) => ({
  code,
  rx_id: `O-${i}`,
  cnt,
  pric,
  long: true,
  date: '2026-11-28 09:00:00',
  current: false,
}));
const executions = (day: number, ecgHours = 24): LineSpec[] =>
  ITEMS.map(([code, cnt, pric], i) => ({
    code,
    rx_id: `X${day}-${i}`,
    cnt: code === ECG_MONITOR ? ecgHours : cnt,
    pric,
    long: true,
    date: `2026-11-${day} 09:00:00`,
  }));
const freq = (lines: LineSpec[], day: number) =>
  resultsOf(
    run(lib, { ...inpatient('2026-11-28 08:00:00'), trig_scen: '5', lines }, undefined, '3101', evening(day)),
    FREQ,
  );

describe('a day’s execution of a running 长期医嘱 is its use on that day', () => {
  it('the orders of 11-28 as context with the day’s executions: silent on day 2, day 3 and day 5 alike', () => {
    expect(freq([...orders, ...executions(29)], 29)).toEqual([]);
    expect(freq([...orders, ...executions(30)], 30)).toEqual([]);
    expect(freq([...orders, ...executions(30)], 32)).toEqual([]);
  });

  it('an execution equal to the order’s day quantity adds nothing; one above it adds the difference', () => {
    expect(freq([...orders, ...executions(30, 24)], 30)).toEqual([]);
    const [r] = freq([...orders, ...executions(30, 48)], 30);
    expect(r!.vola_cont).toBe('【心电监测】限定频次 24/小时，2026-11-30 累计 48 小时，超出 24 小时。');
    expect(flaggedRx(r!)).toEqual(['X30-2']);
    expect(involvedRx(r!)).toEqual(['O-2']);
    expect(r!.vola_amt).toBe(72);
  });

  it('an order plus one later charge of it (s7): one bed and 24 hours a day, not 「共 9 天超出」', () => {
    const lines: LineSpec[] = [
      { code: WARD_BED, rx_id: 'A2', pric: 30, long: true, date: '2026-11-20 09:00:00', current: false },
      { code: WARD_BED, rx_id: 'C22-2', pric: 30, long: true, date: '2026-11-22 00:00:00' },
      { code: ECG_MONITOR, rx_id: 'A5', cnt: 24, pric: 3, long: true, date: '2026-11-20 09:00:00', current: false },
      { code: ECG_MONITOR, rx_id: 'C22-5', cnt: 24, pric: 3, long: true, date: '2026-11-22 00:00:00' },
    ];
    expect(freq(lines, 30)).toEqual([]);
  });

  it('a second charge of the bed on the execution’s day is still one too many', () => {
    const lines = [
      ...orders,
      ...executions(30),
      { ...executions(30)[0]!, rx_id: 'X30-BED-b', date: '2026-11-30 15:00:00' },
    ];
    const [r] = freq(lines, 30);
    expect(r!.vola_cont).toBe('【普通病房床位费】限定频次 1/日，2026-11-30 累计 2 次，超出 1 次。');
    expect(flaggedRx(r!)).toEqual(['X30-BED-b']);
  });
});
