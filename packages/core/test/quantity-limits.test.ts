import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, flaggedRx, involvedRx, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const PAY_DAYS = 'GZ10000101010000';
const SVC_PAY_DAYS = 'GZ10000102010000';
const FREQ = 'GZ10000102014000';
const N_DAYS = 'PA-SVC-QTY-PER-N-DAYS';

const OZAGREL = 'XB01AXA223B002010100156'; // 奥扎格雷钠注射液, 支付不超过14天
const INPATIENT_VISIT_FEE = '001102000050000'; // 住院诊查费, 1/日
const EEG_VIDEO = '003101000050000'; // 脑电图录象监测, 24/小时
const ECG_MONITOR = '003107010220000'; // 心电监测, 24/小时
const WARD_BED = '001109000010000'; // 普通病房床位费, 1/日
const FRUCTOSAMINE = '002503020020000'; // 血清果糖胺测定, 1/7天
const HAND_ASSESSMENT = '003402000050000'; // 手功能评定: 总时间不超过90天，评定间隔时间不短于14天

const day = (d: number) => `2026-11-${String(d).padStart(2, '0')} 09:00:00`;

describe('max_pay_days (14天)', () => {
  it('a long-term order over exactly 14 days passes; one more day flags the current line', () => {
    const inpatient = { med_mdtrt_type: '2', med_type: '21' };
    const fourteen = run(lib, { ...inpatient, lines: [{ code: OZAGREL, date: day(1), stop: day(14), long: true }] });
    expect(resultsOf(fourteen, PAY_DAYS)).toEqual([]);
    const fifteen = run(lib, {
      ...inpatient,
      lines: [{ code: OZAGREL, rx_id: 'O1', cnt: 15, date: day(1), stop: day(15), long: true, sumamt: 300 }],
    });
    const [r] = resultsOf(fifteen, PAY_DAYS);
    expect(flaggedRx(r!)).toEqual(['O1']);
    // cnt 15 for its 15 days is one charge for the run: only the 15th is beyond the limit, ¥300 × 1/15.
    expect(r!.vola_amt).toBe(20);
    expect(r!.vola_cont).toContain('15 天');
    // cnt 1 cannot be 15 days' count: it is the day's, as it was while the order was open, and ¥300 one day's charge.
    const dayCount = run(lib, {
      ...inpatient,
      lines: [{ code: OZAGREL, rx_id: 'O1', cnt: 1, date: day(1), stop: day(15), long: true, sumamt: 300 }],
    });
    expect(resultsOf(dayCount, PAY_DAYS)[0]!.vola_amt).toBe(300);
  });

  it('a stop at 00:00 of day 15 ended the order at the start of day 15: 14 days of use, which pass', () => {
    const inpatient = { med_mdtrt_type: '2', med_type: '21' };
    const stoppedAt = (stop: string) =>
      resultsOf(
        run(lib, { ...inpatient, lines: [{ code: OZAGREL, rx_id: 'O1', date: day(1), stop, long: true }] }),
        PAY_DAYS,
      );
    expect(stoppedAt('2026-11-15 00:00:00')).toEqual([]);
    expect(flaggedRx(stoppedAt('2026-11-15 00:01:00')[0]!)).toEqual(['O1']);
  });

  it('counts context days: 14 earlier one-off days, then a current line on day 15 is flagged, the history is 涉及项', () => {
    const history = Array.from({ length: 14 }, (_, i) => ({
      code: OZAGREL,
      rx_id: `H${i + 1}`,
      date: day(i + 1),
      current: false,
    }));
    const out = run(lib, {
      med_mdtrt_type: '2',
      med_type: '21',
      lines: [...history, { code: OZAGREL, rx_id: 'NEW', date: day(15) }],
    });
    const [r] = resultsOf(out, PAY_DAYS);
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(involvedRx(r!)).toHaveLength(14);
    // Same day again (day 14) is not a new day.
    const sameDay = run(lib, {
      med_mdtrt_type: '2',
      med_type: '21',
      lines: [...history, { code: OZAGREL, date: day(14) }],
    });
    expect(resultsOf(sameDay, PAY_DAYS)).toEqual([]);
  });
});

describe('max_qty_per_period', () => {
  it('1/日: quantity at the limit passes, over it flags the excess × price', () => {
    expect(resultsOf(run(lib, { lines: [{ code: INPATIENT_VISIT_FEE, cnt: 1, pric: 12 }] }), FREQ)).toEqual([]);
    const out = run(lib, {
      lines: [
        { code: INPATIENT_VISIT_FEE, rx_id: 'F1', cnt: 1, pric: 12, date: '2026-11-20 08:00:00', current: false },
        { code: INPATIENT_VISIT_FEE, rx_id: 'F2', cnt: 2, pric: 12, date: '2026-11-20 15:00:00' },
      ],
    });
    const [r] = resultsOf(out, FREQ);
    expect(flaggedRx(r!)).toEqual(['F2']);
    expect(r!.vola_amt).toBe(24);
  });

  it('1/日 on two different calendar days passes', () => {
    const out = run(lib, {
      lines: [
        { code: INPATIENT_VISIT_FEE, cnt: 1, date: '2026-11-19 23:30:00', current: false },
        { code: INPATIENT_VISIT_FEE, cnt: 1, date: '2026-11-20 00:30:00' },
      ],
    });
    expect(resultsOf(out, FREQ)).toEqual([]);
  });

  it('a line sent without cnt counts as one unit, and its amount as not computed', () => {
    const withoutCount = (spec: Parameters<typeof analysisInput>[0]) => {
      const input = analysisInput(spec);
      const orders = (
        input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos as unknown as Record<string, unknown>[]
      ).filter((o) => o.rx_id === 'NOCNT');
      for (const o of orders) {
        delete o.cnt;
        delete o.sumamt;
      }
      return input;
    };
    const alone = run(lib, withoutCount({ lines: [{ code: INPATIENT_VISIT_FEE, rx_id: 'NOCNT', pric: 12 }] }));
    expect(resultsOf(alone, FREQ)).toEqual([]);
    const twice = run(
      lib,
      withoutCount({
        lines: [
          { code: INPATIENT_VISIT_FEE, rx_id: 'F1', cnt: 1, pric: 12, date: '2026-11-20 08:00:00', current: false },
          { code: INPATIENT_VISIT_FEE, rx_id: 'NOCNT', pric: 12, date: '2026-11-20 15:00:00' },
        ],
      }),
    );
    const [r] = resultsOf(twice, FREQ);
    expect(flaggedRx(r!)).toEqual(['NOCNT']);
    expect(r!.vola_amt_stas).toBe('0');
  });

  it('24/小时 allows 24 hours a day: 24 passes, 25 flags one hour', () => {
    expect(resultsOf(run(lib, { lines: [{ code: EEG_VIDEO, cnt: 24, pric: 50 }] }), FREQ)).toEqual([]);
    const [r] = resultsOf(run(lib, { lines: [{ code: EEG_VIDEO, cnt: 25, pric: 50 }] }), FREQ);
    expect(r!.vola_amt).toBe(50);
  });
});

describe('max_qty_per_period on a line that runs over several days', () => {
  const inpatient = { med_mdtrt_type: '2', med_type: '21', adm_date: '2026-11-18 10:00:00' };
  // One long-term line for the stay so far, 11-18 10:00 to its stop on 11-20: three calendar days.
  const run3 = (code: string, cnt: number, pric: number, stop = '2026-11-20 23:59:59') =>
    resultsOf(
      run(lib, {
        ...inpatient,
        lines: [{ code, rx_id: 'RUN', cnt, pric, long: true, date: '2026-11-18 10:00:00', stop }],
      }),
      FREQ,
    );

  it('心电监测 72 hours over three days is 24 a day and passes; 73 exceeds by a third of an hour each day', () => {
    expect(run3(ECG_MONITOR, 72, 3)).toEqual([]);
    const [r] = run3(ECG_MONITOR, 73, 3);
    expect(flaggedRx(r!)).toEqual(['RUN']);
    // One hour in all beyond 3 × 24, at its price.
    expect(r!.vola_amt).toBe(3);
    expect(r!.vola_cont).toContain('2026-11-18 累计 24.33 小时');
  });

  it('普通病房床位费 3 over three days passes; 4 over the same days fires', () => {
    expect(run3(WARD_BED, 3, 50)).toEqual([]);
    expect(flaggedRx(run3(WARD_BED, 4, 50)[0]!)).toEqual(['RUN']);
  });

  it('72 hours over two days (stop on 11-19) is 36 a day: 12 hours too many each day', () => {
    const [r] = run3(ECG_MONITOR, 72, 3, '2026-11-19 23:59:59');
    expect(r!.vola_amt).toBe(72);
  });

  it('a stop at 11-21 00:00:00 ended the order at the start of the 21st: 72 hours over the 18th to the 20th', () => {
    const run4 = (code: string, cnt: number, stop: string) =>
      resultsOf(
        run(lib, {
          ...inpatient,
          lines: [{ code, rx_id: 'RUN', cnt, pric: 3, long: true, date: '2026-11-18 08:00:00', stop }],
        }),
        FREQ,
      );
    // Over three days 73 hours are 24.33 a day; spread over a fourth day it ran on they were 18.25 and passed.
    expect(run4(ECG_MONITOR, 72, '2026-11-21 00:00:00')).toEqual([]);
    const [r] = run4(ECG_MONITOR, 73, '2026-11-21 00:00:00');
    expect(flaggedRx(r!)).toEqual(['RUN']);
    expect(r!.vola_amt).toBe(3);
    expect(r!.vola_cont).toContain('2026-11-18 累计 24.33 小时');
    for (const stop of ['2026-11-21T00:00:00', '2026-11-21 00:00', '20261121000000']) {
      const [same] = run4(ECG_MONITOR, 73, stop);
      expect(same?.vola_amt, stop).toBe(3);
    }
    // 普通病房床位费 4 over the three nights is more than one a day.
    expect(flaggedRx(run4(WARD_BED, 4, '2026-11-21 00:00:00')[0]!)).toEqual(['RUN']);
    // One minute into the 21st, or the 21st sent as a date alone (the day it was stopped on), runs on the 21st.
    expect(run4(ECG_MONITOR, 73, '2026-11-21 00:01:00')).toEqual([]);
    expect(run4(ECG_MONITOR, 73, '2026-11-21')).toEqual([]);
    expect(run4(ECG_MONITOR, 73, '20261121')).toEqual([]);
  });

  it('a stop at 00:00 of the day after its begin leaves a one-day order: its whole count is that day', () => {
    const [r] = resultsOf(
      run(lib, {
        ...inpatient,
        lines: [
          {
            code: ECG_MONITOR,
            rx_id: 'RUN',
            cnt: 48,
            pric: 3,
            long: true,
            date: '2026-11-18 08:00:00',
            stop: '2026-11-19 00:00:00',
          },
        ],
      }),
      FREQ,
    );
    expect(r!.vola_amt).toBe(72);
  });

  it('a long-term order with a blank stop date is still running, as with none: its count is each day’s to today', () => {
    // 72 hours a day on 11-18, 11-19 and 11-20 (the request day): 48 too many on each, 144 hours in all at ¥3, but
    // the line itself is 72 × ¥3: no more than its ¥216 can be flagged.
    const [open] = run3(ECG_MONITOR, 72, 3, '');
    expect(flaggedRx(open!)).toEqual(['RUN']);
    expect(open!.vola_amt).toBe(216);
    for (const blank of ['  ', '\t']) {
      const [r] = run3(ECG_MONITOR, 72, 3, blank);
      expect(r?.vola_amt, JSON.stringify(blank)).toBe(216);
    }
  });

  it('an open order’s excess over the days it ran never flags more than the line’s sumamt', () => {
    // 普通病房床位费 cnt 2 × ¥50 (¥100), open since 11-11: one too many on each of ten days, yet the line is ¥100.
    const bed = (sumamt?: number) =>
      resultsOf(
        run(lib, {
          ...inpatient,
          adm_date: '2026-11-11 09:00:00',
          lines: [{ code: WARD_BED, rx_id: 'BED', cnt: 2, pric: 50, sumamt, long: true, date: '2026-11-11 10:00:00' }],
        }),
        FREQ,
      )[0]!;
    const r = bed();
    expect(flaggedRx(r)).toEqual(['BED']);
    expect(r.vola_amt).toBe(100);
    expect(r.judge_result_detail_dtos.find((d) => d.rx_id === 'BED')!.vola_amt).toBe(100);
    // A discounted line (sumamt below cnt × pric) caps at what was charged.
    expect(bed(80).vola_amt).toBe(80);
  });

  it('the text of an excess on several days says how many: 心电监测 cnt 30 open since 11-11 exceeds on ten days', () => {
    const ecg = (date: string) =>
      resultsOf(
        run(lib, {
          ...inpatient,
          adm_date: '2026-11-11 09:00:00',
          lines: [{ code: ECG_MONITOR, rx_id: 'ECG', cnt: 30, pric: 5, long: true, date }],
        }),
        FREQ,
      )[0]!;
    const r = ecg('2026-11-11 10:00:00');
    // The amount covers every day (capped at the line's ¥150), so the text must not read as one day's 6 hours.
    expect(r.vola_amt).toBe(150);
    expect(r.vola_cont).toBe('【心电监测】限定频次 24/小时，2026-11-11 累计 30 小时，超出 6 小时；共 10 天超出。');
    // Begun today, the excess is one day's and the text is as before.
    expect(ecg('2026-11-20 10:00:00').vola_cont).toBe(
      '【心电监测】限定频次 24/小时，2026-11-20 累计 30 小时，超出 6 小时。',
    );
  });

  it('a one-day line keeps its whole count on its day: 72 hours of 心电监测 on 11-20 exceed by 48', () => {
    const [r] = resultsOf(run(lib, { ...inpatient, lines: [{ code: ECG_MONITOR, cnt: 72, pric: 3 }] }), FREQ);
    expect(r!.vola_amt).toBe(144);
  });

  it('a day of the run already charged on its own line still counts: 24 charged on 11-19 makes that day 48', () => {
    const out = run(lib, {
      ...inpatient,
      lines: [
        { code: ECG_MONITOR, rx_id: 'DAY', cnt: 24, pric: 3, date: '2026-11-19 00:00:00', current: false },
        {
          code: ECG_MONITOR,
          rx_id: 'RUN',
          cnt: 72,
          pric: 3,
          long: true,
          date: '2026-11-18 10:00:00',
          stop: '2026-11-20 23:59:59',
        },
      ],
    });
    const [r] = resultsOf(out, FREQ);
    expect(flaggedRx(r!)).toEqual(['RUN']);
    expect(involvedRx(r!)).toEqual(['DAY']);
    expect(r!.vola_amt).toBe(72);
    expect(r!.vola_cont).toContain('2026-11-19 累计 48 小时');
  });
});

describe('max_qty_per_n_days (1/7天)', () => {
  it('a repeat on day 7 after day 1 (window of 7 days) fires; on day 8 it does not', () => {
    const first = { code: FRUCTOSAMINE, rx_id: 'P1', date: day(1), current: false, pric: 30 };
    const fires = run(lib, { lines: [first, { code: FRUCTOSAMINE, rx_id: 'P2', date: day(7), pric: 30 }] });
    const [r] = resultsOf(fires, N_DAYS);
    expect(flaggedRx(r!)).toEqual(['P2']);
    expect(r!.vola_amt).toBe(30);
    expect(r!.sev_deg).toBe('2');
    expect(resultsOf(run(lib, { lines: [first, { code: FRUCTOSAMINE, date: day(8) }] }), N_DAYS)).toEqual([]);
  });

  it('prose limits are read: 手功能评定 at most once in 14 days and 90 days in all', () => {
    const twice = run(lib, {
      lines: [
        { code: HAND_ASSESSMENT, date: day(1), current: false },
        { code: HAND_ASSESSMENT, rx_id: 'HA', date: day(10) },
      ],
    });
    // The interval is decided once, by the 周期超频次 point that restates it (1/14天), not again by the course rule.
    expect(flaggedRx(resultsOf(twice, N_DAYS)[0]!)).toEqual(['HA']);
    expect(resultsOf(twice, SVC_PAY_DAYS)).toEqual([]);
    const spaced = run(lib, {
      lines: [
        { code: HAND_ASSESSMENT, date: day(1), current: false },
        { code: HAND_ASSESSMENT, date: day(15) },
      ],
    });
    expect(resultsOf(spaced)).toEqual([]);
  });

  it('a card that flags several lines names each window that went over, in date order, amounts unchanged', () => {
    const out = run(lib, {
      lines: [
        { code: HAND_ASSESSMENT, rx_id: 'HA1', date: day(8), pric: 25 },
        { code: HAND_ASSESSMENT, rx_id: 'HA2', date: day(15), pric: 25 },
        { code: HAND_ASSESSMENT, rx_id: 'HA3', date: day(20), pric: 25 },
      ],
    });
    const [r] = resultsOf(out, N_DAYS);
    expect(flaggedRx(r!)).toEqual(['HA2', 'HA3']);
    expect(involvedRx(r!)).toEqual(['HA1']);
    expect(r!.vola_amt).toBe(50);
    // The 11-20 line's own window (11-07..11-20) is named beside the 11-15 line's, or nothing says why it is flagged.
    expect(r!.vola_cont).toBe(
      '【手功能评定】限 14 天内 1 次，2026-11-02 至 2026-11-15 累计 2 次，超出 1 次；2026-11-07 至 2026-11-20 累计 3 次，超出 2 次。',
    );
  });

  it('a window two lines share is named once with its full count; beyond three windows, 「共 N 个周期超出」', () => {
    const sameDay = run(lib, {
      lines: [
        { code: HAND_ASSESSMENT, rx_id: 'H0', date: day(8), current: false },
        { code: HAND_ASSESSMENT, rx_id: 'A', date: day(15) },
        { code: HAND_ASSESSMENT, rx_id: 'B', date: '2026-11-15 15:00:00' },
      ],
    });
    const [shared] = resultsOf(sameDay, N_DAYS);
    expect(flaggedRx(shared!)).toEqual(['A', 'B']);
    expect(shared!.vola_cont).toBe('【手功能评定】限 14 天内 1 次，2026-11-02 至 2026-11-15 累计 3 次，超出 2 次。');
    // Weekly sessions against 1/14天 from 11-01: each one from 11-08 on is over, in a window of its own.
    const weekly = run(lib, {
      lines: [1, 8, 15, 22, 29].map((d) => ({ code: HAND_ASSESSMENT, rx_id: `W${d}`, date: day(d) })),
    });
    const [r] = resultsOf(weekly, N_DAYS);
    expect(flaggedRx(r!)).toEqual(['W8', 'W15', 'W22', 'W29']);
    expect(r!.vola_cont).toBe(
      '【手功能评定】限 14 天内 1 次，2026-10-26 至 2026-11-08 累计 2 次，超出 1 次；2026-11-02 至 2026-11-15 累计 2 次，超出 1 次；' +
        '2026-11-09 至 2026-11-22 累计 2 次，超出 1 次；共 4 个周期超出。',
    );
    // Daily sessions 11-01..11-20: 19 windows over, whose 19 dates alone would pass vola_cont's 500 characters (where
    // fitMessage would cut mid-date); the text names three and the count, ending as a sentence, far inside the bound.
    const daily = run(lib, {
      lines: Array.from({ length: 20 }, (_, i) => ({ code: HAND_ASSESSMENT, rx_id: `D${i + 1}`, date: day(i + 1) })),
    });
    const [d] = resultsOf(daily, N_DAYS);
    expect(flaggedRx(d!)).toHaveLength(19);
    expect(d!.vola_cont).toBe(
      '【手功能评定】限 14 天内 1 次，2026-10-20 至 2026-11-02 累计 2 次，超出 1 次；2026-10-21 至 2026-11-03 累计 3 次，超出 2 次；' +
        '2026-10-22 至 2026-11-04 累计 4 次，超出 3 次；共 19 个周期超出。',
    );
  });

  it('a window a course shares with a later line is named with all it holds, the later line counted too', () => {
    // 手功能评定 billed as an outpatient course of one a day 11-01..11-30, and one more charged on its own on 11-05.
    // The course is judged first, in its fullest window 11-01..11-14: 14 of its own, and the 11-05 line is in it too.
    const out = run(lib, {
      lines: [
        { code: HAND_ASSESSMENT, rx_id: 'COURSE', cnt: 30, pric: 25, date: day(1), stop: day(30) },
        { code: HAND_ASSESSMENT, rx_id: 'ONE', cnt: 1, pric: 25, date: day(5) },
      ],
    });
    const [r] = resultsOf(out, N_DAYS);
    expect(flaggedRx(r!)).toEqual(['COURSE', 'ONE']);
    // Amounts as the check counts them, unchanged: the course 13 over in its window, the 11-05 line 1 (6 in 10-23..11-05).
    expect(r!.vola_amt).toBe(350);
    expect(r!.vola_cont).toBe(
      '【手功能评定】限 14 天内 1 次，2026-10-23 至 2026-11-05 累计 6 次，超出 5 次；2026-11-01 至 2026-11-14 累计 15 次，超出 14 次。',
    );
  });
});
