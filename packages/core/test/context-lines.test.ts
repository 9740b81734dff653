import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, involvedRx, resultsOf, run } from './support/requests';

// The request day in support/requests.run is 2026-11-20 (Shanghai).
const lib = nationalLibrary();
const PAY_DAYS = 'GZ10000101010000';
const CLASS_DUP = 'GZ10000301006000';
const FREQ = 'GZ10000102014000';
const N_DAYS = 'PA-SVC-QTY-PER-N-DAYS';
const DUPLICATE = 'GZ10000102012000';

const OZAGREL = 'XB01AXA223B002010100156'; // 奥扎格雷钠注射液, 支付不超过14天
const ABIRATERONE = 'XL02BBA292A001010206716'; // 醋酸阿比特龙片 (L02BB)
const APALUTAMIDE = 'XL02BBA326A001010102180'; // 阿帕他胺片 (L02BB)
const INPATIENT_VISIT_FEE = '001102000050000'; // 住院诊查费, 1/日
const FRUCTOSAMINE = '002503020020000'; // 血清果糖胺测定, 1/7天
const ER_MONITOR = '001103000010000'; // 急诊监护费 (A) includes
const ER_CONSULT = '001102000030000'; // 急诊诊查费 (B), 单日

const inpatient = { med_mdtrt_type: '2', med_type: '21' };

describe('a running long-term order (long_drord_flag 1, no stop date) runs to the request day', () => {
  it('max_pay_days: begun 2026-11-01 and still running is 20 days, so today’s new line is beyond the 14th', () => {
    const out = run(lib, {
      ...inpatient,
      lines: [
        { code: OZAGREL, rx_id: 'LONG', date: '2026-11-01 09:00:00', long: true, current: false },
        { code: OZAGREL, rx_id: 'NEW', date: '2026-11-20 09:00:00', sumamt: 80 },
      ],
    });
    const [r] = resultsOf(out, PAY_DAYS);
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(involvedRx(r!)).toEqual(['LONG']);
    expect(r!.vola_cont).toContain('已用药 20 天');
  });

  it('max_pay_days: begun 2026-11-10 and still running is 11 days, within 14', () => {
    const out = run(lib, {
      ...inpatient,
      lines: [
        { code: OZAGREL, date: '2026-11-10 09:00:00', long: true, current: false },
        { code: OZAGREL, date: '2026-11-20 09:00:00' },
      ],
    });
    expect(resultsOf(out, PAY_DAYS)).toEqual([]);
  });

  it('max_pay_days: the same begin date as a one-off order is one day only', () => {
    const out = run(lib, {
      ...inpatient,
      lines: [
        { code: OZAGREL, date: '2026-11-01 09:00:00', long: false, current: false },
        { code: OZAGREL, date: '2026-11-20 09:00:00' },
      ],
    });
    expect(resultsOf(out, PAY_DAYS)).toEqual([]);
  });

  it('drug_class_duplicate: a long-term context order begun earlier without a stop date is still active', () => {
    const running = run(lib, {
      gend: '1',
      lines: [
        { code: APALUTAMIDE, rx_id: 'NOW' },
        { code: ABIRATERONE, rx_id: 'RUNNING', current: false, long: true, date: '2026-11-01 09:00:00' },
      ],
    });
    const [r] = resultsOf(running, CLASS_DUP);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(involvedRx(r!)).toEqual(['RUNNING']);
    const stopped = run(lib, {
      gend: '1',
      lines: [
        { code: APALUTAMIDE },
        { code: ABIRATERONE, current: false, long: true, date: '2026-11-01 09:00:00', stop: '2026-11-19 09:00:00' },
      ],
    });
    expect(resultsOf(stopped, CLASS_DUP)).toEqual([]);
  });
});

describe('quantity limits: context lines count first, only current lines carry the excess', () => {
  it('1/日: a context line charged later the same day does not hide the current line’s excess', () => {
    const out = run(lib, {
      lines: [
        { code: INPATIENT_VISIT_FEE, rx_id: 'NOW', cnt: 1, pric: 12, date: '2026-11-20 08:00:00' },
        { code: INPATIENT_VISIT_FEE, rx_id: 'DONE', cnt: 1, pric: 12, date: '2026-11-20 15:00:00', current: false },
      ],
    });
    const [r] = resultsOf(out, FREQ);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(involvedRx(r!)).toEqual(['DONE']);
    expect(r!.vola_amt).toBe(12);
  });

  it('1/日: when the context alone is over the limit, the current line is flagged for its own quantity only', () => {
    const out = run(lib, {
      lines: [
        { code: INPATIENT_VISIT_FEE, rx_id: 'DONE', cnt: 3, pric: 12, date: '2026-11-20 15:00:00', current: false },
        { code: INPATIENT_VISIT_FEE, rx_id: 'NOW', cnt: 1, pric: 12, date: '2026-11-20 08:00:00' },
      ],
    });
    const [r] = resultsOf(out, FREQ);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_amt).toBe(12);
  });

  it('1/日: context lines alone over the limit with no current line on that day do not fire', () => {
    const out = run(lib, {
      lines: [
        { code: INPATIENT_VISIT_FEE, cnt: 2, date: '2026-11-19 15:00:00', current: false },
        { code: INPATIENT_VISIT_FEE, cnt: 1, date: '2026-11-20 08:00:00' },
      ],
    });
    expect(resultsOf(out, FREQ)).toEqual([]);
  });

  it('1/7天: a context line later on the same day counts in the window', () => {
    const out = run(lib, {
      lines: [
        { code: FRUCTOSAMINE, rx_id: 'NOW', pric: 30, date: '2026-11-20 09:00:00' },
        { code: FRUCTOSAMINE, rx_id: 'DONE', pric: 30, date: '2026-11-20 16:00:00', current: false },
      ],
    });
    const [r] = resultsOf(out, N_DAYS);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(involvedRx(r!)).toEqual(['DONE']);
    expect(r!.vola_amt).toBe(30);
  });

  it('1/7天: one current line alone in the window passes', () => {
    const out = run(lib, {
      lines: [
        { code: FRUCTOSAMINE, date: '2026-11-13 16:00:00', current: false },
        { code: FRUCTOSAMINE, date: '2026-11-20 09:00:00' },
      ],
    });
    expect(resultsOf(out, N_DAYS)).toEqual([]);
  });
});

describe('time_window: who is 违规项', () => {
  it('B current, A already charged: B is 违规项 and A 涉及项 (rules.md)', () => {
    const out = run(lib, {
      lines: [
        { code: ER_MONITOR, rx_id: 'A0', current: false, pric: 40, date: '2026-11-20 08:00:00' },
        { code: ER_CONSULT, rx_id: 'B1', pric: 15, date: '2026-11-20 10:00:00' },
      ],
    });
    const [r] = resultsOf(out, DUPLICATE);
    expect(flaggedRx(r!)).toEqual(['B1']);
    expect(involvedRx(r!)).toEqual(['A0']);
    expect(r!.vola_amt).toBe(15);
    expect(r!.vola_cont).toContain('【急诊诊查费】属重复收费');
  });

  it('A current, B already charged: the new A is flagged with B’s amount and the message says B was charged first', () => {
    const out = run(lib, {
      lines: [
        { code: ER_CONSULT, rx_id: 'B0', current: false, pric: 15, date: '2026-11-20 08:00:00' },
        { code: ER_MONITOR, rx_id: 'A1', pric: 40, date: '2026-11-20 10:00:00' },
      ],
    });
    const [r] = resultsOf(out, DUPLICATE);
    expect(flaggedRx(r!)).toEqual(['A1']);
    expect(involvedRx(r!)).toEqual(['B0']);
    expect(r!.vola_amt).toBe(15);
    expect(r!.vola_cont).toContain('【急诊诊查费】已收费，本次新增的【急诊监护费】');
  });

  it('B charged, then A and B both new: the new B is the duplicate with A 涉及项; A is not flagged as well', () => {
    const out = run(lib, {
      lines: [
        { code: ER_CONSULT, rx_id: 'B0', current: false, pric: 15, date: '2026-11-20 08:00:00' },
        { code: ER_MONITOR, rx_id: 'A1', pric: 40, date: '2026-11-20 10:00:00' },
        { code: ER_CONSULT, rx_id: 'B1', pric: 15, date: '2026-11-20 10:00:00' },
      ],
    });
    const results = resultsOf(out, DUPLICATE);
    expect(results).toHaveLength(1);
    expect(flaggedRx(results[0]!)).toEqual(['B1']);
    expect(involvedRx(results[0]!)).toEqual(['A1']);
    expect(results[0]!.vola_cont).toContain('【急诊诊查费】属重复收费');
  });

  it('A charged twice in one visit (A, B charged; a second A new): the new A is flagged against the charged B', () => {
    const out = run(lib, {
      lines: [
        { code: ER_MONITOR, rx_id: 'A0', current: false, pric: 40, date: '2026-11-20 08:00:00' },
        { code: ER_CONSULT, rx_id: 'B0', current: false, pric: 15, date: '2026-11-20 08:00:00' },
        { code: ER_MONITOR, rx_id: 'A1', pric: 40, date: '2026-11-20 10:00:00' },
      ],
    });
    const results = resultsOf(out, DUPLICATE);
    expect(results).toHaveLength(1);
    expect(flaggedRx(results[0]!)).toEqual(['A1']);
    expect(involvedRx(results[0]!)).toEqual(['B0']);
  });
});
