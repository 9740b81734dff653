import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { evening, flaggedRx, inpatient, involvedRx, type LineSpec, PAY_DAYS, resultsOf, run } from './support/requests';

// Replays of the inpatient audit (/tmp/inpatient-audit, out2/001-P1a and 001-P5a): the nurse station's charges of
// long-term orders, each with long_drord_flag 1, its charge time as begin and no stop date.
const lib = nationalLibrary();
const DUPLICATE = 'GZ10000102012000';

const ICU_CARE = '001201000010000'; // 重症监护 (A), 单日 with
const ORAL_CARE = '001201000140100'; // 一般专项护理(口腔护理) (B)
const OZAGREL = 'XB01AXA223B001010100269'; // 注射用奥扎格雷钠, 14天, 新发 (episode)

const stay = inpatient('2026-11-20 03:00:00');

const icuCharge = (day: number): LineSpec => ({
  code: ICU_CARE,
  rx_id: `ICU-${day}`,
  cnt: 1,
  pric: 200,
  long: true,
  date: `2026-11-${day} ${day === 20 ? '03:10' : '23:00'}:00`,
  current: false,
});
const oralCare: LineSpec = {
  code: ORAL_CARE,
  rx_id: 'ORAL-23',
  cnt: 1,
  pric: 10,
  long: true,
  date: '2026-11-23 23:00:00',
};

describe('3102: a long-term line without a stop date is one day’s charge', () => {
  it('重症监护 charged 11-20..22 in the ICU does not meet the ward’s 口腔护理 of 11-23', () => {
    const out = run(
      lib,
      { ...stay, lines: [icuCharge(20), icuCharge(21), icuCharge(22), oralCare] },
      undefined,
      '3102',
      evening(23),
    );
    expect(resultsOf(out, DUPLICATE)).toEqual([]);
  });

  it('重症监护 charged on 11-23 as well does meet it, naming that day’s charge only', () => {
    const out = run(
      lib,
      { ...stay, lines: [icuCharge(21), icuCharge(22), icuCharge(23), oralCare] },
      undefined,
      '3102',
      evening(23),
    );
    const [r] = resultsOf(out, DUPLICATE);
    expect(flaggedRx(r!)).toEqual(['ORAL-23']);
    expect(involvedRx(r!)).toEqual(['ICU-23']);
  });

  it('奥扎格雷钠 charged 11-01..07 and again on 11-20 is 8 days of use, within 14', () => {
    const charges: LineSpec[] = [1, 2, 3, 4, 5, 6, 7].map((d) => ({
      code: OZAGREL,
      rx_id: `X${d}`,
      pric: 30,
      long: true,
      date: `2026-11-0${d} 10:00:00`,
      current: false,
    }));
    charges.push({ code: OZAGREL, rx_id: 'X20', pric: 30, long: true, date: '2026-11-20 10:00:00' });
    const out = run(lib, { ...stay, adm_date: '2026-11-01 08:00:00', lines: charges }, undefined, '3102');
    expect(resultsOf(out, PAY_DAYS)).toEqual([]);
  });
});

// No trig_scen tells a fee upload from a doctor station: 4 (住院收费登记) is S-01's fee upload and the inpatient doctor
// station's scene at S-15, S-04 and S-03 (spec §5.3). The lines tell: a fee system charges a running order every day.
const SCENES = ['4', '3,4', '5', '2', ''];

describe('3101, any scene: open lines of one code of which two begin on consecutive days are a charge series', () => {
  it('重症监护 charged 11-20..22 does not meet 口腔护理 of 11-23', () => {
    for (const trig_scen of SCENES) {
      const out = run(
        lib,
        { ...stay, trig_scen, lines: [icuCharge(20), icuCharge(21), icuCharge(22), oralCare] },
        undefined,
        '3101',
        evening(23),
      );
      expect(resultsOf(out, DUPLICATE), `trig_scen ${trig_scen}`).toEqual([]);
    }
  });

  it('奥扎格雷钠 charged 11-01..07 and again on 11-20 is 8 days of use, within 14', () => {
    const charges: LineSpec[] = [1, 2, 3, 4, 5, 6, 7].map((d) => ({
      code: OZAGREL,
      rx_id: `X${d}`,
      pric: 30,
      long: true,
      date: `2026-11-0${d} 10:00:00`,
      current: false,
    }));
    charges.push({ code: OZAGREL, rx_id: 'X20', pric: 30, long: true, date: '2026-11-20 10:00:00' });
    for (const trig_scen of SCENES) {
      const spec = { ...stay, trig_scen, adm_date: '2026-11-01 08:00:00', diagnoses: ['I63.900'] };
      expect(resultsOf(run(lib, { ...spec, lines: charges }), PAY_DAYS), `trig_scen ${trig_scen}`).toEqual([]);
    }
  });

  it('a single open 重症监护 order is still running on 11-23 and meets 口腔护理', () => {
    const out = run(lib, { ...stay, trig_scen: '4', lines: [icuCharge(20), oralCare] }, undefined, '3101', evening(23));
    const [r] = resultsOf(out, DUPLICATE);
    expect(flaggedRx(r!)).toEqual(['ORAL-23']);
    expect(involvedRx(r!)).toEqual(['ICU-20']);
  });

  it('two open orders of one code begun the same day are not a series: both still run', () => {
    const second = { ...icuCharge(20), rx_id: 'ICU-20b', date: '2026-11-20 09:00:00' };
    const out = run(
      lib,
      { ...stay, trig_scen: '4', lines: [icuCharge(20), second, oralCare] },
      undefined,
      '3101',
      evening(23),
    );
    expect(flaggedRx(resultsOf(out, DUPLICATE)[0]!)).toEqual(['ORAL-23']);
  });
});

describe('3101, any scene: open lines of one code not begun on consecutive days are the doctor’s orders', () => {
  it('奥扎格雷钠 ordered 11-01 with no stop, sent with today’s line of it, is 20 days of use, 住院场景 4 included', () => {
    const stroke = { ...stay, adm_date: '2026-11-01 08:00:00', diagnoses: ['I63.900'] };
    const lines: LineSpec[] = [
      { code: OZAGREL, rx_id: 'ORD', pric: 30, long: true, date: '2026-11-01 09:00:00', current: false },
      { code: OZAGREL, rx_id: 'D20', pric: 30, long: true, date: '2026-11-20 09:00:00' },
    ];
    for (const trig_scen of SCENES) {
      const [r] = resultsOf(run(lib, { ...stroke, trig_scen, lines }), PAY_DAYS);
      expect(r?.sev_deg, `trig_scen ${trig_scen}`).toBe('1');
      expect(flaggedRx(r!)).toEqual(['D20']);
      expect(involvedRx(r!)).toEqual(['ORD']);
      expect(r!.vola_amt).toBe(30);
      expect(r!.vola_cont).toContain('已用药 20 天');
    }
  });
});
