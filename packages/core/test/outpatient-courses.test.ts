import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, involvedRx, type LineSpec, type RequestSpec, resultsOf, run } from './support/requests';

// An outpatient line (long_drord_flag 0) whose stop date is on a later day is a course billed on one line: its days
// run to the stop date, and its cnt and sumamt are the whole course's. Reviewer: /tmp/review-chronic/req/
// s7a_dbt_longrx_stop.json (F4), s3d_apd_month.json, s3e_apd_month_hours.json, s12_speech_training_12wk.json (F1).
const lib = nationalLibrary();
const PAY_DAYS = 'GZ10000101010000'; // 药品限支付疗程
const FREQ = 'GZ10000102014000'; // 医疗服务项目限定频次
const N_DAYS = 'PA-SVC-QTY-PER-N-DAYS'; // 医疗服务项目周期超频次

const BUTYLPHTHALIDE = 'XN07XXD130E002010102774'; // 丁苯酞软胶囊: 一个病程支付不超过 20 天
const APD = '003110000020000'; // 腹透机自动腹膜透析: 24/小时
const ECG_MONITOR = '003107010220000'; // 心电监测: 24/小时
const SPEECH_TRAINING = '003402000350000'; // 儿童听力障碍语言训练: 1/7天, 支付不超过一年
const DUPLICATE_CHARGE = 'GZ10000102012000'; // 医疗服务项目重复收费
const HAEMODIALYSIS = '003110000060000'; // 血液透析: B of 血液灌流×血液透析 (单日)
const HAEMOPERFUSION = '003110000100000'; // 血液灌流: A

/** 门诊慢特病 (med_mdtrt_type 1, med_type 14), as the reviewer's requests. */
const chronic = { med_mdtrt_type: '1', med_type: '14' };
const admission = { med_mdtrt_type: '2', med_type: '21' };
/** 18:00 of a 2026 day in Shanghai. */
const at = (month: number, day: number) => new Date(Date.UTC(2026, month - 1, day, 10));

const results = (spec: RequestSpec, rule: string, now: Date) => resultsOf(run(lib, spec, undefined, '3101', now), rule);

describe('pay days: a 长处方 runs to its stop date (F4)', () => {
  const longRx = (stop: string | undefined, long = false): LineSpec => ({
    code: BUTYLPHTHALIDE,
    name: '丁苯酞软胶囊',
    rx_id: 'RX1',
    cnt: 10,
    pric: 80,
    date: '2026-11-03 09:00:00',
    ...(stop !== undefined && { stop }),
    long,
  });

  it('59 days of 丁苯酞软胶囊 on one outpatient line are over the 20 paid, for the part beyond day 20', () => {
    const [r, more] = results(
      { ...chronic, diagnoses: ['I63.900'], lines: [longRx('2026-12-31 09:00:00')] },
      PAY_DAYS,
      at(11, 30),
    );
    expect(more).toBeUndefined();
    expect(flaggedRx(r!)).toEqual(['RX1']);
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_cont).toBe(
      '【丁苯酞软胶囊】一个病程支付不超过 20 天，本次病程（2026-11-03 起，未停用超过 30 天）已用药 28 天，医嘱开具至 2026-12-31，共 59 天，2026-11-23 起超出。',
    );
    // One bill of ¥800 for 59 days: the 39 days from 11-23 on are 528.81. A 长期医嘱 of cnt 10 over 59 days is the
    // day's count the HIS kept (less than one a day), so there the whole line is one day's charge, as before.
    expect(r!.vola_amt).toBe(528.81);
    const [long] = results(
      { ...chronic, diagnoses: ['I63.900'], lines: [longRx('2026-12-31 09:00:00', true)] },
      PAY_DAYS,
      at(11, 30),
    );
    expect(long!.vola_amt).toBe(800);
  });

  it('20 days of the course are paid, the 21st is not', () => {
    const course = (stop: string) =>
      results({ ...chronic, lines: [longRx(`2026-${stop} 09:00:00`)] }, PAY_DAYS, at(11, 3));
    expect(course('11-22')).toEqual([]);
    const [r] = course('11-23');
    expect(r!.vola_cont).toContain('医嘱开具至 2026-11-23，共 21 天，2026-11-23 起超出');
    expect(r!.vola_amt).toBe(38.1); // 800 × 1/21
  });

  /** 19 days already used (an earlier encounter's order of 11-03..11-21) and today's line of 11-22. */
  const afterNineteenDays = (
    today: Partial<LineSpec>,
    visit: Pick<RequestSpec, 'med_mdtrt_type' | 'med_type'> = chronic,
  ) =>
    results(
      {
        ...visit,
        lines: [{ code: BUTYLPHTHALIDE, rx_id: 'TODAY', cnt: 1, pric: 80, date: '2026-11-22 09:00:00', ...today }],
        history: [
          {
            mdtrt_id: 'EARLIER',
            adm_date: '2026-11-03 08:30:00',
            lines: [
              {
                code: BUTYLPHTHALIDE,
                rx_id: 'EARLIER-1',
                cnt: 4,
                pric: 80,
                date: '2026-11-03 09:00:00',
                stop: '2026-11-21 09:00:00',
                // A 长期医嘱, so that it runs 19 days in the admission too.
                long: true,
                current: false,
              },
            ],
          },
        ],
      },
      PAY_DAYS,
      at(11, 22),
    );

  it('a one-off line (no stop date, or one on its begin day) counts its begin day only, as before', () => {
    expect(afterNineteenDays({})).toEqual([]);
    expect(afterNineteenDays({ stop: '2026-11-22 18:00:00' })).toEqual([]);
    expect(afterNineteenDays({ stop: '2026-11-22' })).toEqual([]);
    // A stop at 00:00 of the next day ended the line at the start of that day: its begin day only.
    expect(afterNineteenDays({ stop: '2026-11-23 00:00:00' })).toEqual([]);
  });

  it('an outpatient line stopped the next day is a course of two days: with the 19 before, 21 days', () => {
    const [r] = afterNineteenDays({ stop: '2026-11-23 09:00:00' });
    expect(flaggedRx(r!)).toEqual(['TODAY']);
    expect(involvedRx(r!)).toEqual(['EARLIER-1']);
    expect(r!.vola_cont).toContain('已用药 20 天，医嘱开具至 2026-11-23，共 21 天，2026-11-23 起超出');
  });

  it('an admission’s 临时医嘱 stays a one-off whatever its stop date (stamped the next day, or weeks on)', () => {
    expect(afterNineteenDays({ stop: '2026-11-23 09:00:00' }, admission)).toEqual([]);
    expect(afterNineteenDays({ stop: '2026-12-20 09:00:00' }, admission)).toEqual([]);
  });
});

describe('限定频次: a month of peritoneal dialysis on one line is a day’s worth a day (F1)', () => {
  const month = (cnt: number, pric: number, stop?: string, extra: LineSpec[] = []) =>
    results(
      {
        ...chronic,
        diagnoses: ['N18.500'],
        lines: [
          {
            code: APD,
            rx_id: 'MONTH',
            cnt,
            pric,
            unit: '日',
            date: '2026-11-01 09:00:00',
            ...(stop !== undefined && { stop }),
          },
          ...extra,
        ],
      },
      FREQ,
      at(11, 1),
    );

  it('cnt 30 over 11-01..11-30 (s3d) and 300 hours (s3e) are not reminded', () => {
    expect(month(30, 200, '2026-11-30 09:00:00')).toEqual([]);
    expect(month(300, 20, '2026-11-30 09:00:00')).toEqual([]);
  });

  it('the same line without a stop date, or stopped on its begin day, is all on 11-01 as before', () => {
    const [r] = month(30, 200);
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_amt).toBe(1200);
    expect(r!.vola_cont).toBe('【腹透机自动腹膜透析】限定频次 24/小时，2026-11-01 累计 30 小时，超出 6 小时。');
    expect(month(30, 200, '2026-11-01 20:00:00')).toHaveLength(1);
  });

  it('the course still counts its share of each day: 10 hours of it and 20 more on 11-15 are 30', () => {
    const [r] = month(300, 20, '2026-11-30 09:00:00', [
      { code: APD, rx_id: 'EXTRA', cnt: 20, pric: 20, date: '2026-11-15 09:00:00' },
    ]);
    expect(flaggedRx(r!)).toEqual(['EXTRA']);
    expect(involvedRx(r!)).toEqual(['MONTH']);
    expect(r!.vola_cont).toBe('【腹透机自动腹膜透析】限定频次 24/小时，2026-11-15 累计 30 小时，超出 6 小时。');
    expect(r!.vola_amt).toBe(120);
  });

  it('48 hours of 心电监测 stopped the next day: a course of two days outpatient, 48 on its day in an admission', () => {
    const ecg = (visit: Pick<RequestSpec, 'med_mdtrt_type' | 'med_type'>) =>
      results(
        {
          ...visit,
          lines: [{ code: ECG_MONITOR, cnt: 48, pric: 3, date: '2026-11-20 10:00:00', stop: '2026-11-21 10:00:00' }],
        },
        FREQ,
        at(11, 20),
      );
    expect(ecg(chronic)).toEqual([]);
    const [r] = ecg(admission);
    expect(r!.vola_cont).toBe('【心电监测】限定频次 24/小时，2026-11-20 累计 48 小时，超出 24 小时。');
  });
});

describe('周期超频次: weekly sessions written as one line over weeks (F1, s12)', () => {
  const sessions = (cnt: number, stop?: string, extra: LineSpec[] = []) =>
    results(
      {
        ...chronic,
        brdy: '2021-05-01',
        diagnoses: ['H90.300'],
        lines: [
          {
            code: SPEECH_TRAINING,
            rx_id: 'COURSE',
            cnt,
            pric: 80,
            unit: '次',
            date: '2026-09-01 09:00:00',
            ...(stop !== undefined && { stop }),
          },
          ...extra,
        ],
      },
      N_DAYS,
      at(9, 1),
    );

  it('12 sessions over the 12 weeks 09-01..11-23 are one a week: not reminded', () => {
    expect(sessions(12, '2026-11-23 09:00:00')).toEqual([]);
  });

  it('24 over the same weeks are two a week: reminded for the first full week, its one session over', () => {
    const [r] = sessions(24, '2026-11-23 09:00:00');
    expect(flaggedRx(r!)).toEqual(['COURSE']);
    expect(r!.sev_deg).toBe('2');
    expect(r!.vola_cont).toBe(
      '【儿童听力障碍语言训练】限 7 天内 1 次，2026-09-01 至 2026-09-07 累计 2 次，超出 1 次。',
    );
    expect(r!.vola_amt).toBe(80);
  });

  it('a session charged on its own inside the course is over the week’s one', () => {
    const [r] = sessions(12, '2026-11-23 09:00:00', [
      { code: SPEECH_TRAINING, rx_id: 'EXTRA', cnt: 1, pric: 80, date: '2026-09-10 09:00:00' },
    ]);
    expect(flaggedRx(r!)).toEqual(['EXTRA']);
    expect(r!.vola_cont).toBe(
      '【儿童听力障碍语言训练】限 7 天内 1 次，2026-09-04 至 2026-09-10 累计 2 次，超出 1 次。',
    );
  });

  it('12 sessions without a stop date are all on 09-01, as before', () => {
    const [r] = sessions(12);
    expect(r!.vola_cont).toBe(
      '【儿童听力障碍语言训练】限 7 天内 1 次，2026-08-26 至 2026-09-01 累计 12 次，超出 11 次。',
    );
    expect(r!.vola_amt).toBe(880);
  });
});

describe('单日 pairs: a course meets another charge on its begin day only', () => {
  const month = (perfusionDay: string) =>
    results(
      {
        ...chronic,
        diagnoses: ['N18.500'],
        lines: [
          {
            code: HAEMODIALYSIS,
            rx_id: 'HD',
            cnt: 12,
            pric: 400,
            unit: '次',
            date: '2026-11-01 09:00:00',
            stop: '2026-11-28 09:00:00',
          },
          { code: HAEMOPERFUSION, rx_id: 'HP', cnt: 1, pric: 900, unit: '次', date: `${perfusionDay} 09:00:00` },
        ],
      },
      DUPLICATE_CHARGE,
      at(11, 15),
    );

  it('12 haemodialyses billed for 11-01..11-28 and a 血液灌流 of 11-15: the line does not say 11-15 had one', () => {
    expect(month('2026-11-15')).toEqual([]);
  });

  it('a 血液灌流 on the course’s begin day is reminded, as before', () => {
    const [r] = month('2026-11-01');
    expect(flaggedRx(r!)).toEqual(['HD']);
    expect(involvedRx(r!)).toEqual(['HP']);
  });
});
