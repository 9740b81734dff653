import { addMonths, checkEvaluatorConfig, daysFromCivil, formatDay } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, involvedRx, type LineSpec, type RequestSpec, resultsOf, run } from './support/requests';

// What a pay-days limit counts, on the real national points (Limit.count, read from their texts at import). The
// request day of `run` is 2026-11-20 (Shanghai); history is sent as context lines of earlier encounters.
const lib = nationalLibrary();
const PAY_DAYS = 'GZ10000101010000'; // 药品限支付疗程
const SVC_PAY_DAYS = 'GZ10000102010000'; // 医疗服务项目限支付疗程 (also holds interval limits, at severity 2)

// 依达拉奉右莰醇注射用浓溶液: 限新发的急性缺血性脑卒中患者在发作48小时内开始使用，支付不超过14天。
const EDARAVONE_DEXBORNEOL = 'XN07XXY322B004010101594';
// 平衡功能训练: 一个疾病过程支付不超过90天。
const BALANCE_TRAINING = '003402000240000';
// 注射用重组人脑利钠肽: …住院方可支付，单次支付不超过3天。
const NESIRITIDE = 'XC01EBC109B001010102049';
// 帕妥珠单抗注射液: …且支付不超过12个月 (published as 365天).
const PERTUZUMAB = 'XL01FDP138B002010181735';
// 儿童听力障碍语言训练: 支付不超过一年，每周最多支付一次。
const HEARING_SPEECH_TRAINING = '003402000350000';
// 手功能评定: 总时间不超过90天，评定间隔时间不短于14天。
const HAND_ASSESSMENT = '003402000050000';
// 天麻素注射液: 支付不超过14天。
const GASTRODIN = 'XN07XXT050B002010100239';

const inpatient = { med_mdtrt_type: '2', med_type: '21' };
const at = (day: number) => `${formatDay(day)} 09:00:00`;
const d = (text: string) =>
  daysFromCivil(Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10)));
const TODAY = d('2026-11-20');

/** A long-term order from `from` to `to` (inclusive), sent as a context line. */
const course = (code: string, from: string, to: string, rx_id = `C${from}`): LineSpec => ({
  code,
  rx_id,
  long: true,
  current: false,
  date: `${from} 09:00:00`,
  stop: `${to} 09:00:00`,
});

/** One-off context lines every `step` days before `last` (exclusive), `count` of them, oldest first. */
const every = (code: string, last: number, step: number, count: number): LineSpec[] =>
  Array.from({ length: count }, (_, i) => ({
    code,
    rx_id: `E${i}`,
    current: false,
    date: at(last - (count - i) * step),
  }));

/** A request whose current line is `now` and whose earlier encounter (MDTRT-0) holds `history`. */
const withHistory = (now: LineSpec, history: LineSpec[], extra: Partial<RequestSpec> = {}): RequestSpec => ({
  ...inpatient,
  ...extra,
  lines: [now],
  history: [{ mdtrt_id: 'MDTRT-0', lines: history }],
});

const payDayResults = (spec: RequestSpec, rule = PAY_DAYS, config?: Parameters<typeof run>[2]) =>
  resultsOf(run(lib, spec, config), rule).filter((r) => r.sev_deg === '1');

describe('episode limits (新发 / 发作 / 一个疾病过程): only the current episode counts', () => {
  it('依达拉奉右莰醇: a new stroke today is not day 15 of a 14-day course given in 2024', () => {
    const spec = withHistory({ code: EDARAVONE_DEXBORNEOL, rx_id: 'NOW', date: at(TODAY) }, [
      course(EDARAVONE_DEXBORNEOL, '2024-03-01', '2024-03-14'),
    ]);
    expect(payDayResults(spec)).toEqual([]);
  });

  it('依达拉奉右莰醇: 14 days of this episode (emergency visit, then the ward) and a 15th today is flagged', () => {
    const spec = withHistory({ code: EDARAVONE_DEXBORNEOL, rx_id: 'NOW', date: at(TODAY), sumamt: 88 }, [
      course(EDARAVONE_DEXBORNEOL, '2024-03-01', '2024-03-14', 'OLD'),
      course(EDARAVONE_DEXBORNEOL, '2026-11-06', '2026-11-19', 'EPISODE'),
    ]);
    const [r] = payDayResults(spec);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_amt).toBe(88);
    // The 2024 course is not part of the count, nor of the result.
    expect(involvedRx(r!)).toEqual(['EPISODE']);
    expect(r!.vola_cont).toContain('本次病程（2026-11-06 起，未停用超过 30 天）已用药 15 天');
    expect(r!.vola_cont).toContain('2026-11-20 起超出');
  });

  it('a pause of exactly 30 days (the default episodeGapDays) keeps the episode; 31 days starts a new one', () => {
    // 2026-10-07 … 2026-10-20 is 14 days; 2026-10-21 … 2026-11-19 is a pause of 30 days.
    const pause30 = withHistory({ code: EDARAVONE_DEXBORNEOL, rx_id: 'NOW', date: at(TODAY) }, [
      course(EDARAVONE_DEXBORNEOL, '2026-10-07', '2026-10-20'),
    ]);
    const [r] = payDayResults(pause30);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_cont).toContain('已用药 15 天');
    // 2026-10-06 … 2026-10-19, then a pause of 31 days (2026-10-20 … 2026-11-19).
    const pause31 = withHistory({ code: EDARAVONE_DEXBORNEOL, date: at(TODAY) }, [
      course(EDARAVONE_DEXBORNEOL, '2026-10-06', '2026-10-19'),
    ]);
    expect(payDayResults(pause31)).toEqual([]);
  });

  it('the pause is the workstation setting payDays.episodeGapDays', () => {
    const pause30 = withHistory({ code: EDARAVONE_DEXBORNEOL, date: at(TODAY) }, [
      course(EDARAVONE_DEXBORNEOL, '2026-10-07', '2026-10-20'),
    ]);
    expect(payDayResults(pause30, PAY_DAYS, { payDays: { episodeGapDays: 29 } })).toEqual([]);
    const pause31 = withHistory({ code: EDARAVONE_DEXBORNEOL, date: at(TODAY) }, [
      course(EDARAVONE_DEXBORNEOL, '2026-10-06', '2026-10-19'),
    ]);
    const [r] = payDayResults(pause31, PAY_DAYS, { payDays: { episodeGapDays: 31 } });
    expect(r!.vola_cont).toContain('未停用超过 31 天');
    expect(checkEvaluatorConfig({ payDays: { episodeGapDays: 14 } }, 'evaluator')).toEqual([]);
    expect(checkEvaluatorConfig({ payDays: { episodeGapDays: '14' } }, 'evaluator')).toEqual([
      { path: 'evaluator.payDays.episodeGapDays', message: 'must be integer' },
    ]);
  });

  it('平衡功能训练 (一个疾病过程 90 days): a 2024 rehabilitation course does not make today’s first session day 91', () => {
    const spec = withHistory({ code: BALANCE_TRAINING, date: at(TODAY) }, [
      course(BALANCE_TRAINING, '2024-01-01', '2024-03-30'),
    ]);
    expect(payDayResults(spec, SVC_PAY_DAYS)).toEqual([]);
  });

  it('平衡功能训练: in one course the 90th day passes and the 91st is flagged', () => {
    // 2026-08-22 … 2026-11-19 is 90 days.
    const ninetyOne = withHistory({ code: BALANCE_TRAINING, rx_id: 'NOW', date: at(TODAY) }, [
      course(BALANCE_TRAINING, '2024-01-01', '2024-03-30'),
      course(BALANCE_TRAINING, '2026-08-22', '2026-11-19'),
    ]);
    const [r] = payDayResults(ninetyOne, SVC_PAY_DAYS);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    // A service's days are 已使用, not 已用药 (see 'days of a service' below).
    expect(r!.vola_cont).toContain('本次病程（2026-08-22 起，未停用超过 30 天）已使用 91 天');
    const ninety = withHistory({ code: BALANCE_TRAINING, date: at(TODAY) }, [
      course(BALANCE_TRAINING, '2024-01-01', '2024-03-30'),
      course(BALANCE_TRAINING, '2026-08-23', '2026-11-19'),
    ]);
    expect(payDayResults(ninety, SVC_PAY_DAYS)).toEqual([]);
  });
});

describe('单次住院: only the current admission counts', () => {
  // 注射用重组人脑利钠肽, 单次支付不超过3天. An earlier admission gave it 3 days.
  const earlier = course(NESIRITIDE, '2026-10-01', '2026-10-03', 'EARLIER');
  const admission = (from: string): RequestSpec => ({
    ...inpatient,
    lines: [
      course(NESIRITIDE, from, '2026-11-19', 'THIS-STAY'),
      { code: NESIRITIDE, rx_id: 'NOW', date: at(TODAY), sumamt: 500 },
    ],
    history: [{ mdtrt_id: 'MDTRT-0', lines: [earlier] }],
  });

  it('the 3rd day of this admission passes, whatever an earlier admission used', () => {
    expect(payDayResults(admission('2026-11-18'))).toEqual([]);
  });

  it('the 4th day of this admission is flagged, and only this admission’s lines are involved', () => {
    const [r] = payDayResults(admission('2026-11-17'));
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(involvedRx(r!)).toEqual(['THIS-STAY']);
    expect(r!.vola_cont).toContain('单次住院支付不超过 3 天，本次住院已用药 4 天（2026-11-17 起）');
  });
});

describe('durations of treatment (个月, 一年, 总时间): the span since the first day of use', () => {
  it('帕妥珠单抗 (12个月): 33 three-weekly infusions over 23 months are flagged once past 12 months', () => {
    const history = every(PERTUZUMAB, TODAY, 21, 32);
    expect(history[0]!.date).toBe('2025-01-17 09:00:00');
    const [r] = payDayResults(withHistory({ code: PERTUZUMAB, rx_id: 'NOW', date: at(TODAY), sumamt: 9000 }, history));
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_amt).toBe(9000);
    expect(involvedRx(r!)).toHaveLength(32);
    expect(r!.vola_cont).toBe(
      '【帕妥珠单抗注射液】支付不超过 12 个月，自 2025-01-17 首次使用已满 12 个月，2026-01-17 起超出。',
    );
  });

  it('帕妥珠单抗: a line on the day before the same date 12 months later passes, on that date it is flagged', () => {
    const first = { code: PERTUZUMAB, current: false };
    // One course: infusions every three weeks since the first one (a year without any would start a new course).
    const since = (day: number) => [
      { ...first, date: at(day) },
      ...every(PERTUZUMAB, TODAY, 21, Math.floor((TODAY - day - 1) / 21)),
    ];
    expect(payDayResults(withHistory({ code: PERTUZUMAB, date: at(TODAY) }, since(d('2025-11-21'))))).toEqual([]);
    const [r] = payDayResults(withHistory({ code: PERTUZUMAB, rx_id: 'NOW', date: at(TODAY) }, since(d('2025-11-20'))));
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_cont).toContain('自 2025-11-20 首次使用已满 12 个月，2026-11-20 起超出');
  });

  it('儿童听力障碍语言训练 (一年, weekly): weekly sessions for 2.5 years are flagged, and not by the weekly limit', () => {
    const history = every(HEARING_SPEECH_TRAINING, TODAY, 7, 130);
    const out = run(lib, withHistory({ code: HEARING_SPEECH_TRAINING, rx_id: 'NOW', date: at(TODAY) }, history));
    const results = resultsOf(out, SVC_PAY_DAYS);
    expect(results).toHaveLength(1);
    expect(results[0]!.sev_deg).toBe('1');
    expect(flaggedRx(results[0]!)).toEqual(['NOW']);
    expect(results[0]!.vola_cont).toContain(`自 ${history[0]!.date!.slice(0, 10)} 首次使用已满 12 个月`);
  });

  it('手功能评定 (总时间90天, every 14 days): assessments every 14 days for 13 months are flagged', () => {
    const history = every(HAND_ASSESSMENT, TODAY, 14, 28);
    expect(history[0]!.date).toBe('2025-10-24 09:00:00');
    const results = resultsOf(
      run(lib, withHistory({ code: HAND_ASSESSMENT, rx_id: 'NOW', date: at(TODAY) }, history)),
      SVC_PAY_DAYS,
    );
    expect(results).toHaveLength(1);
    expect(flaggedRx(results[0]!)).toEqual(['NOW']);
    expect(results[0]!.vola_cont).toBe(
      '【手功能评定】支付不超过 90 天，自 2025-10-24 首次使用已满 90 天（至 2026-11-20 为第 393 天），2026-01-22 起超出。',
    );
  });

  it('手功能评定: 89 days after the first assessment (day 90) passes, 90 days after (day 91) is flagged', () => {
    const first = { code: HAND_ASSESSMENT, current: false };
    // One course: an assessment every 14 days since the first (a pause as long as the course starts a new one).
    const since = (day: number) => [{ ...first, date: at(day) }, ...every(HAND_ASSESSMENT, TODAY, 14, 5)];
    // 2026-08-23 + 89 days = 2026-11-20.
    expect(
      payDayResults(withHistory({ code: HAND_ASSESSMENT, date: at(TODAY) }, since(TODAY - 89)), SVC_PAY_DAYS),
    ).toEqual([]);
    const [r] = payDayResults(
      withHistory({ code: HAND_ASSESSMENT, rx_id: 'NOW', date: at(TODAY) }, since(TODAY - 90)),
      SVC_PAY_DAYS,
    );
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_cont).toContain('自 2026-08-22 首次使用已满 90 天（至 2026-11-20 为第 91 天），2026-11-20 起超出');
  });

  it('months end on the same date, or on the last day of a shorter month', () => {
    expect(formatDay(addMonths(d('2025-01-17'), 12))).toBe('2026-01-17');
    expect(formatDay(addMonths(d('2024-02-29'), 12))).toBe('2025-02-28');
    expect(formatDay(addMonths(d('2026-01-31'), 1))).toBe('2026-02-28');
    expect(formatDay(addMonths(d('2025-12-15'), 3))).toBe('2026-03-15');
  });
});

describe('a plain limit (支付不超过14天) still counts distinct days over every encounter (rules.md)', () => {
  it('天麻素注射液: 14 days in 2024 and one today are 15 days, flagged; 13 and one are 14, passed', () => {
    const [r] = payDayResults(
      withHistory({ code: GASTRODIN, rx_id: 'NOW', date: at(TODAY) }, [
        course(GASTRODIN, '2024-03-01', '2024-03-14', 'OLD'),
      ]),
    );
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(involvedRx(r!)).toEqual(['OLD']);
    expect(r!.vola_cont).toBe('【天麻素注射液】支付不超过 14 天，已用药 15 天（2024-03-01 起），2026-11-20 起超出。');
    expect(
      payDayResults(withHistory({ code: GASTRODIN, date: at(TODAY) }, [course(GASTRODIN, '2024-03-01', '2024-03-13')])),
    ).toEqual([]);
  });
});

describe('courses and orders of earlier encounters', () => {
  it('a span starts again after a pause as long as the span: a 2025 wrist course does not make a stroke day 630', () => {
    const history: LineSpec[] = [
      { code: HAND_ASSESSMENT, current: false, date: '2025-03-01 09:00:00' },
      { code: HAND_ASSESSMENT, current: false, date: '2025-03-20 09:00:00' },
    ];
    expect(payDayResults(withHistory({ code: HAND_ASSESSMENT, date: at(TODAY) }, history), SVC_PAY_DAYS)).toEqual([]);
  });

  it('an open long-term order of an earlier admission ended with it, not today', () => {
    // Sent without a stop date: the 2024 admission's order ran until that admission ended (its discharge day).
    const open: LineSpec = { code: EDARAVONE_DEXBORNEOL, long: true, current: false, date: '2024-03-01 09:00:00' };
    const admission = (dscg_date: string): RequestSpec => ({
      ...inpatient,
      lines: [{ code: EDARAVONE_DEXBORNEOL, rx_id: 'NOW', date: at(TODAY) }],
      history: [{ mdtrt_id: 'MDTRT-0', lines: [open], adm_date: '2024-03-01 08:00:00', dscg_date }],
    });
    // Discharged on the 12th: 12 days of use then, and a new stroke's first dose today.
    expect(payDayResults(admission('2024-03-12 10:00:00'))).toEqual([]);
    // No discharge date known: the order counts its begin day only.
    expect(payDayResults(admission(''))).toEqual([]);
    // The duplicate-charge pair of 重症监护 (an open order of that admission) and today's 口腔护理: nothing.
    const icu: LineSpec = { code: '001201000010000', long: true, current: false, date: '2024-03-01 09:00:00' };
    const care: RequestSpec = {
      ...inpatient,
      lines: [{ code: '001201000140100', date: at(TODAY) }],
      history: [
        { mdtrt_id: 'MDTRT-0', lines: [icu], adm_date: '2024-03-01 08:00:00', dscg_date: '2024-03-12 10:00:00' },
      ],
    };
    expect(resultsOf(run(lib, care), 'GZ10000102012000')).toEqual([]);
  });
});

/**
 * 「已用药」 is said of a drug only: 减重支持系统训练 is a training the patient had, not a drug given. Reviewed with
 * /tmp/review-rules/req/jianzhong_31.json (a 30-day course, one session a day since 10-31).
 */
describe('days of a service', () => {
  // 减重支持系统训练: 支付不超过30天.
  const WEIGHT_SUPPORT_TRAINING = '003402000210000';

  it('减重支持系统训练 on its 31st day: 已使用 31 天', () => {
    const history = Array.from({ length: 30 }, (_, i) => ({
      code: WEIGHT_SUPPORT_TRAINING,
      rx_id: `S${i}`,
      current: false,
      date: at(TODAY - 30 + i),
    }));
    const [r] = resultsOf(
      run(lib, { ...inpatient, lines: [...history, { code: WEIGHT_SUPPORT_TRAINING, rx_id: 'NOW', date: at(TODAY) }] }),
      SVC_PAY_DAYS,
    );
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(r!.vola_cont).toContain('已使用 31 天（2026-10-21 起）');
    expect(r!.vola_cont).not.toContain('用药');
  });

  it('a drug still says 已用药 (天麻素注射液, 15 days)', () => {
    const history = Array.from({ length: 14 }, (_, i) => ({
      code: GASTRODIN,
      rx_id: `G${i}`,
      current: false,
      date: at(TODAY - 14 + i),
    }));
    const [r] = resultsOf(
      run(lib, { ...inpatient, lines: [...history, { code: GASTRODIN, date: at(TODAY) }] }),
      PAY_DAYS,
    );
    expect(r!.vola_cont).toContain('已用药 15 天');
  });
});
