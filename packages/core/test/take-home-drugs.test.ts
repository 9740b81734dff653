import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { evening, flaggedRx, inpatient, involvedRx, type LineSpec, PAY_DAYS, resultsOf, run } from './support/requests';

// 出院带药 (drord_bhvr 1) at discharge: the ward's 3101 on the discharge day sends the stay's long-term order as
// context and the take-home supply as the current line, with the last day of the supply as its stop date.
// Real national code: 注射用七叶皂苷钠 (药品限支付疗程, 「支付不超过10天」, no 单次住院 or 新发 wording: rules.md's
// distinct days of use over every line of the patient).
const lib = nationalLibrary();
const ESCIN = 'XC05CAQ005B001010100526';

const stay = { ...inpatient('2026-11-10 09:00:00'), diagnoses: ['I63.900'], dscg_date: '2026-11-18 11:00:00' };
const onTheWard: LineSpec = {
  code: ESCIN,
  rx_id: 'WARD',
  long: true,
  date: '2026-11-10 08:00:00',
  stop: '2026-11-18 20:00:00',
  pric: 30,
  current: false,
};
/** Seven days' supply taken home: 11-18..11-24 (a stop at 00:00 of the 25th ends the 24th). */
const takeHome = (l: Partial<LineSpec> = {}): LineSpec => ({
  code: ESCIN,
  rx_id: 'HOME',
  date: '2026-11-18 10:00:00',
  stop: '2026-11-25 00:00:00',
  cnt: 7,
  pric: 30,
  bhvr: '1',
  ...l,
});
const payDays = (lines: LineSpec[]) =>
  resultsOf(run(lib, { ...stay, lines }, undefined, '3101', evening(18)), PAY_DAYS);

describe('出院带药 with a stop date runs to it, in an admission too', () => {
  it('9 days on the ward and 7 taken home are 15 days of a 10-day drug; the days beyond 11-19 are flagged', () => {
    const [r, ...more] = payDays([onTheWard, takeHome()]);
    expect(more).toEqual([]);
    expect(r!.vola_cont).toBe(
      '【注射用七叶皂苷钠】支付不超过 10 天，已用药 9 天，医嘱开具至 2026-11-24，共 15 天（2026-11-10 起），2026-11-20 起超出。',
    );
    expect(r!.sev_deg).toBe('1');
    // The supply is one charge for its 7 days (¥210): the 5 days from 11-20 on are ¥150.
    expect(r!.vola_amt).toBe(150);
    expect(flaggedRx(r!)).toEqual(['HOME']);
    expect(involvedRx(r!)).toEqual(['WARD']);
  });

  it('a supply within the limit is silent: 9 days on the ward and 1 more at home', () => {
    expect(payDays([onTheWard, takeHome({ stop: '2026-11-19 20:00:00', cnt: 1 })])).toEqual([]);
  });

  it('as before: 出院带药 without a stop date, and a ward 临时医嘱 the HIS stamped stopped later, are one day', () => {
    expect(payDays([onTheWard, takeHome({ stop: '' })])).toEqual([]);
    expect(payDays([onTheWard, takeHome({ bhvr: '0' })])).toEqual([]);
  });
});
