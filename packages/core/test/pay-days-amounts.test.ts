import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, type LineSpec, type RequestSpec, resultsOf, run } from './support/requests';

// 限支付疗程 on real national codes: the amount is what falls on the days beyond the limit, and days not yet given
// are not called used. The requests are sent on 2026-11-30 (Shanghai), the day a course is ordered up front.
const lib = nationalLibrary();
const PAY_DAYS = 'GZ10000101010000'; // 药品限支付疗程
const OZAGREL = 'XB01AXA223B002010100156'; // 奥扎格雷钠注射液: 限新发的急性血栓性脑梗死，支付不超过14天 (episode)
const GASTRODIN = 'XN07XXT050B002010100239'; // 天麻素注射液: 支付不超过14天 (rules.md's count)
const YIQIFUMAI = 'ZA09HAZ0413010100940'; // 注射用益气复脉(冻干): "15天" beside 单次住院最多支付14天

const NOV_30 = new Date('2026-11-30T02:00:00Z'); // 10:00 in Shanghai
const inpatient = { med_mdtrt_type: '2', med_type: '21', adm_date: '2026-11-30 08:00:00' };

/** A current long-term order begun 2026-11-30 09:00 and stopped at 09:00 of `stop`, `days` units of ¥10. */
const upFront = (code: string, stop: string, days: number, sumamt = days * 10): LineSpec => ({
  code,
  rx_id: 'L1',
  long: true,
  cnt: days,
  pric: 10,
  sumamt,
  date: '2026-11-30 09:00:00',
  stop: `${stop} 09:00:00`,
});

const payDays = (spec: RequestSpec, now = NOV_30) => resultsOf(run(lib, spec, undefined, '3101', now), PAY_DAYS);

describe('a course ordered up front (reviewer: req/pd_current_course20.json)', () => {
  it('20 days of 奥扎格雷钠注射液 written on 11-30: only the 6 days beyond day 14 are over, 60.00 of 200', () => {
    const [r, more] = payDays({ ...inpatient, lines: [upFront(OZAGREL, '2026-12-19', 20)] });
    expect(more).toBeUndefined();
    expect(flaggedRx(r!)).toEqual(['L1']);
    expect(r!.vola_amt).toBe(60);
    expect(r!.judge_result_detail_dtos[0]!.vola_amt).toBe(60);
    expect(r!.vola_cont).toBe(
      '【奥扎格雷钠注射液】一个病程支付不超过 14 天，本次病程（2026-11-30 起，未停用超过 30 天）已用药 1 天，医嘱开具至 2026-12-19，共 20 天，2026-12-14 起超出。',
    );
  });

  it('the 14th day is paid, the 15th is not: a 14-day course passes, a 15-day one owes its last day (10.00)', () => {
    expect(payDays({ ...inpatient, lines: [upFront(OZAGREL, '2026-12-13', 14)] })).toEqual([]);
    const [r] = payDays({ ...inpatient, lines: [upFront(OZAGREL, '2026-12-14', 15)] });
    expect(r!.vola_amt).toBe(10);
    expect(r!.vola_cont).toContain('共 15 天，2026-12-14 起超出');
  });

  it('the share is rounded to the fen: one day of ¥100 over 15 days is 6.67', () => {
    const [r] = payDays({ ...inpatient, lines: [upFront(GASTRODIN, '2026-12-14', 15, 100)] });
    expect(r!.vola_amt).toBe(6.67);
    expect(r!.vola_cont).toBe(
      '【天麻素注射液】支付不超过 14 天，已用药 1 天，医嘱开具至 2026-12-14，共 15 天（2026-11-30 起），2026-12-14 起超出。',
    );
  });

  it('a course that has run (request day after its stop) is used, and still owes only its days beyond', () => {
    const [r] = payDays(
      { ...inpatient, lines: [upFront(GASTRODIN, '2026-12-19', 20)] },
      new Date('2026-12-20T02:00:00Z'),
    );
    expect(r!.vola_amt).toBe(60);
    expect(r!.vola_cont).toBe('【天麻素注射液】支付不超过 14 天，已用药 20 天（2026-11-30 起），2026-12-14 起超出。');
  });

  it('a one-off line beyond the limit owes its whole amount; an earlier course uses up the paid days', () => {
    const history: LineSpec = { ...upFront(GASTRODIN, '2026-11-29', 14), rx_id: 'H1', current: false };
    history.date = '2026-11-16 09:00:00';
    const [r] = payDays({
      ...inpatient,
      lines: [{ code: GASTRODIN, rx_id: 'NOW', cnt: 1, pric: 25, sumamt: 25, date: '2026-11-30 09:00:00' }],
      history: [{ mdtrt_id: 'MDTRT-0', lines: [history], adm_date: '2026-11-16 08:00:00' }],
    });
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_amt).toBe(25);
    expect(r!.vola_cont).toContain('已用药 15 天（2026-11-16 起）');
  });
});

describe('注射用益气复脉(冻干): limit_value 15天 under a basis of 单次住院最多支付14天 (req/paydays_yq_16.json)', () => {
  const admitted = { ...inpatient, adm_date: '2026-11-01 08:00:00', medins_lv: '3' };
  const daily = (n: number): LineSpec[] =>
    Array.from({ length: n }, (_, i) => ({
      code: YIQIFUMAI,
      rx_id: `Y${i + 1}`,
      cnt: 1,
      pric: 10,
      current: i === n - 1,
      date: `2026-11-${String(i + 1).padStart(2, '0')} 09:00:00`,
    }));
  const on = new Date('2026-11-20T02:00:00Z');

  it('the 14th day of the admission is paid; the 15th is reminded, as its 依据 says, with the same 14 in the text', () => {
    expect(payDays({ ...admitted, lines: daily(14) }, on)).toEqual([]);
    const [r] = payDays({ ...admitted, lines: daily(15) }, on);
    expect(flaggedRx(r!)).toEqual(['Y15']);
    expect(r!.vola_amt).toBe(10);
    expect(r!.vola_evid).toContain('单次最多支付14天');
    expect(r!.vola_cont).toBe(
      '【注射用益气复脉(冻干)】单次住院支付不超过 14 天，本次住院已用药 15 天（2026-11-01 起），2026-11-15 起超出。',
    );
  });
});
