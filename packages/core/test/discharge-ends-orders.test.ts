import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { evening, flaggedRx, inpatient, type LineSpec, PAY_DAYS, resultsOf, run } from './support/requests';

// An open 长期医嘱 of a patient who has been discharged ran until the discharge, not until the request day
// (reviewer: /tmp/review-inpatient/req/s8_discharged_open_orders_3101.json, S-01's 出院 upload, sent on 11-30).
const lib = nationalLibrary();
const BNP = 'XC01EBC109B001010102049'; // 注射用重组人脑利钠肽: 单次住院支付不超过 3 天

const course: LineSpec = { code: BNP, rx_id: 'K1', cnt: 1, pric: 600, long: true, date: '2026-11-25 10:00:00' };
const payDays = (dscg_date: string | undefined, lines: LineSpec[] = [course]) =>
  resultsOf(
    run(lib, { ...inpatient('2026-11-25 09:00:00'), dscg_date, trig_scen: '4', lines }, undefined, '3101', evening(30)),
    PAY_DAYS,
  );

describe('an open long-term order ends at a real discharge', () => {
  it('discharged 11-27 10:00: the course of 11-25..27 is 3 days, nothing exceeded', () => {
    expect(payDays('2026-11-27 10:00:00')).toEqual([]);
    // A day more is the fourth day of this admission, and only its own line is beyond.
    const [r] = payDays('2026-11-28 10:00:00');
    expect(r!.vola_cont).toBe(
      '【注射用重组人脑利钠肽】单次住院支付不超过 3 天，本次住院已用药 4 天（2026-11-25 起），2026-11-28 起超出。',
    );
    expect(flaggedRx(r!)).toEqual(['K1']);
  });

  it('still in hospital (dscg_date = adm_date as S-01 sends it, 9999-12-31 as S-03 does): runs to the request day', () => {
    for (const dscg of [undefined, '2026-11-25 09:00:00', '9999-12-31 00:00:00', '']) {
      const [r] = payDays(dscg);
      expect(r?.vola_cont, String(dscg)).toContain('本次住院已用药 6 天（2026-11-25 起），2026-11-28 起超出');
    }
  });

  it('a dscg_date later on the admission day ends nothing: it cannot be told from S-01’s "still in hospital"', () => {
    const [r] = payDays('2026-11-25 18:00:00');
    expect(r!.vola_cont).toContain('已用药 6 天');
  });

  it('a discharge after the request day (a planned one) leaves the run at the request day', () => {
    const [r] = payDays('2026-12-05 10:00:00');
    expect(r!.vola_cont).toContain('已用药 6 天');
  });

  it('a stop date still wins over the discharge, and an order begun on the discharge day counts that day', () => {
    expect(payDays('2026-11-29 10:00:00', [{ ...course, stop: '2026-11-26 10:00:00' }])).toEqual([]);
    expect(payDays('2026-11-27 10:00:00', [{ ...course, date: '2026-11-27 08:00:00' }])).toEqual([]);
  });
});
