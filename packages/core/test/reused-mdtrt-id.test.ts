import type { AnalysisInput, AnalyzeOutcome, JudgeResultDto } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import {
  analysisInput,
  evening,
  flaggedRx,
  inpatient,
  involvedRx,
  type LineSpec,
  PAY_DAYS,
  resultsOf,
  run,
} from './support/requests';

/**
 * A HIS that uses its 住院号 as mdtrt_id sends a readmission under the id of the stay before it (inpatient review,
 * /tmp/review-inpatient/req/s12_same_mdtrt_two_stays.json): two copies of one mdtrt_id whose admission days differ,
 * the earlier with a real discharge on or before the later admission. They are two encounters: the 单次住院 count,
 * the duplicate checks and the stay questions of the new admission do not reach into the finished one. Real national
 * codes: 注射用重组人脑利钠肽 (药品限支付疗程 单次住院 3 天; its 药品限适应症 is a text-only stay question), 阿帕他胺片
 * (male-only: a 药品区分性别使用 stay question for a woman), 贝前列素钠片 and 司来帕格片 (重复开药, B01AC).
 */
const lib = nationalLibrary();
const BNP = 'XC01EBC109B001010102049';
const INDICATION = 'GZ10000101008000';
const SEX_DRUG = 'GZ10000301004000';
const CLASS_DUP = 'GZ10000301006000';
const APALUTAMIDE = 'XL02BBA326A001010102180';
const ID = '0000123456';

interface Stay {
  adm: string;
  dscg: string;
  lines: LineSpec[];
}

/** 重组人脑利钠肽 given in a stay on these days of November 2026 (open long-term order lines, as the reviewer's). */
function doses(prefix: string, days: number[], current: boolean): LineSpec[] {
  return days.map((d) => ({
    code: BNP,
    rx_id: `${prefix}${d}`,
    rxno: `${prefix}${d}`,
    cnt: 1,
    pric: 600,
    long: true,
    current,
    date: `2026-11-${String(d).padStart(2, '0')} 10:00:00`,
  }));
}

/**
 * One patient whose stays are all sent under mdtrt_id `ID` (curr_mdtrt_id too), listed in the order given: each
 * stay is an inpatient encounter with its own adm_date and dscg_date, its diagnoses those of the reviewer's patient.
 */
function staysUnderOneId(stays: Stay[]): AnalysisInput {
  const input = analysisInput({ ...inpatient(stays[0]!.adm), mdtrt_id: ID, lines: [] });
  input.data.patient_dtos[0]!.gend = '2';
  input.data.patient_dtos[0]!.fsi_encounter_dtos = stays.map(
    (s) =>
      analysisInput({
        ...inpatient(s.adm),
        dscg_date: s.dscg,
        mdtrt_id: ID,
        diagnoses: ['I63.900', 'I50.900'],
        lines: s.lines,
      }).data.patient_dtos[0]!.fsi_encounter_dtos[0]!,
  );
  return input;
}

const at = (day: number) => evening(day);

function ok(outcome: AnalyzeOutcome): Extract<AnalyzeOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome;
}

function one(results: JudgeResultDto[]): JudgeResultDto {
  expect(results).toHaveLength(1);
  return results[0]!;
}

// The reviewer's two stays: 11-20 to 11-23 (three doses, history), and 11-29 still in hospital.
const first: Stay = {
  adm: '2026-11-20 09:00:00',
  dscg: '2026-11-23 10:00:00',
  lines: doses('BNP', [20, 21, 22], false),
};
const second = (days: number[]): Stay => ({
  adm: '2026-11-29 09:00:00',
  dscg: '9999-12-31 00:00:00',
  lines: doses('BNP', days, true),
});
// A readmission of 11-26 given the drug on each of its four days so far.
const back: Stay = {
  adm: '2026-11-26 09:00:00',
  dscg: '9999-12-31 00:00:00',
  lines: doses('N', [26, 27, 28, 29], true),
};

describe('two admissions under one mdtrt_id are two encounters', () => {
  it("the reviewer's case: the first dose of the new admission is not day 4 of the finished one", () => {
    const outcome = ok(run(lib, staysUnderOneId([first, second([29])]), undefined, '3101', at(29)));
    expect(resultsOf(outcome, PAY_DAYS)).toEqual([]);
    // The new stay's own question is asked (it was dropped as restated by the merged stay's pay-days card).
    const question = one(resultsOf(outcome, INDICATION));
    expect(question.mdtrt_id).toBe(ID);
    expect(flaggedRx(question)).toEqual(['BNP29']);
    // IT is told where the id was reused; the doctor is not.
    expect(outcome.reusedMdtrtIds).toEqual(['input.data.patient_dtos[0].fsi_encounter_dtos[1].mdtrt_id']);
  });

  it('the new admission counts its own days only: its fourth day is beyond, named from its own first day', () => {
    const r = one(resultsOf(run(lib, staysUnderOneId([first, back]), undefined, '3101', at(29)), PAY_DAYS));
    expect(r.vola_cont).toBe(
      '【注射用重组人脑利钠肽】单次住院支付不超过 3 天，本次住院已用药 4 天（2026-11-26 起），2026-11-29 起超出。',
    );
    expect(r.vola_amt).toBe(600);
    expect(flaggedRx(r)).toEqual(['N29']);
    expect(involvedRx(r)).toEqual(['N26', 'N27', 'N28']);
  });

  it('listed the other way round, the later admission is still the current one; its answer is the one of the current copy alone', () => {
    const withoutTask = (results: JudgeResultDto[]) => results.map((r) => ({ ...r, task_id: '' }));
    const sentAlone = withoutTask(resultsOf(run(lib, staysUnderOneId([back]), undefined, '3101', at(29)), PAY_DAYS));
    expect(sentAlone).toHaveLength(1);
    for (const stays of [
      [first, back],
      [back, first],
    ]) {
      const outcome = ok(run(lib, staysUnderOneId(stays), undefined, '3101', at(29)));
      expect(withoutTask(resultsOf(outcome, PAY_DAYS))).toEqual(sentAlone);
    }
    // The first stay's lines are history even when its copy calls them current.
    const current = { ...first, lines: doses('BNP', [20, 21, 22], true) };
    const outcome = ok(run(lib, staysUnderOneId([second([29]), current]), undefined, '3101', at(29)));
    expect(resultsOf(outcome, PAY_DAYS)).toEqual([]);
    expect(flaggedRx(one(resultsOf(outcome, INDICATION)))).toEqual(['BNP29']);
  });

  it("a drug still open at the first admission's discharge is no duplicate of the new admission's, whichever copy comes first", () => {
    // 贝前列素钠片 and 司来帕格片: two prostacyclin agonists (B01AC), compared by 重复开药 when they run together.
    const beraprost = {
      code: 'XB01ACB040A001010101533',
      rx_id: 'BPS',
      long: true,
      current: false,
      date: '2026-11-20 10:00:00',
    };
    const selexipag = { code: 'XB01ACS270A001010104522', rx_id: 'SEL', date: '2026-11-29 10:00:00' };
    const stays: Stay[] = [
      { ...first, lines: [beraprost] },
      { ...second([]), lines: [selexipag] },
    ];
    for (const order of [stays, [...stays].reverse()]) {
      expect(resultsOf(run(lib, staysUnderOneId(order), undefined, '3101', at(29)), CLASS_DUP)).toEqual([]);
    }
    // The same two drugs in one stay are reminded: the check itself is on.
    const together = { ...second([]), lines: [{ ...beraprost, date: '2026-11-29 09:00:00' }, selexipag] };
    expect(resultsOf(run(lib, staysUnderOneId([together]), undefined, '3101', at(29)), CLASS_DUP)).toHaveLength(1);
  });

  it('readmitted on the discharge day itself: two admissions', () => {
    const left = { ...first, dscg: '2026-11-23 10:00:00', lines: doses('A', [20, 21, 22, 23], false) };
    const back: Stay = { adm: '2026-11-23 15:00:00', dscg: '9999-12-31 00:00:00', lines: doses('B', [24, 25], true) };
    const outcome = ok(run(lib, staysUnderOneId([left, back]), undefined, '3101', at(25)));
    expect(resultsOf(outcome, PAY_DAYS)).toEqual([]);
    // A day more in the new admission is its fourth (23 has no dose of it: 24, 25, 26, 27).
    const longer = { ...back, lines: doses('B', [24, 25, 26, 27], true) };
    const r = one(resultsOf(run(lib, staysUnderOneId([left, longer]), undefined, '3101', at(27)), PAY_DAYS));
    expect(r.vola_cont).toBe(
      '【注射用重组人脑利钠肽】单次住院支付不超过 3 天，本次住院已用药 4 天（2026-11-24 起），2026-11-27 起超出。',
    );
    expect(involvedRx(r)).toEqual(['B24', 'B25', 'B26']);
  });

  it('three admissions: each is its own encounter, and copies of the current one still merge', () => {
    const stays: Stay[] = [
      { adm: '2026-11-01 09:00:00', dscg: '2026-11-05 10:00:00', lines: doses('P', [1, 2, 3], false) },
      { adm: '2026-11-10 09:00:00', dscg: '2026-11-15 10:00:00', lines: doses('Q', [10, 11, 12], false) },
      { adm: '2026-11-20 09:00:00', dscg: '9999-12-31 00:00:00', lines: doses('R', [20, 21], true) },
      // The current admission appended again, with today's new dose: one encounter with the copy before it.
      { adm: '2026-11-20 09:00:00', dscg: '9999-12-31 00:00:00', lines: doses('R', [20, 21, 22], true) },
    ];
    const outcome = ok(run(lib, staysUnderOneId(stays), undefined, '3101', at(22)));
    expect(resultsOf(outcome, PAY_DAYS)).toEqual([]);
    expect(flaggedRx(one(resultsOf(outcome, INDICATION)))).toEqual(['R20', 'R21', 'R22']);
    expect(outcome.reusedMdtrtIds).toEqual([
      'input.data.patient_dtos[0].fsi_encounter_dtos[1].mdtrt_id',
      'input.data.patient_dtos[0].fsi_encounter_dtos[2].mdtrt_id',
    ]);
    // A fourth dose in the third admission is beyond, counted from its first day, with only its own lines.
    stays[3] = { ...stays[3]!, lines: doses('R', [20, 21, 22, 23], true) };
    const r = one(resultsOf(run(lib, staysUnderOneId(stays), undefined, '3101', at(23)), PAY_DAYS));
    expect(r.vola_cont).toContain('本次住院已用药 4 天（2026-11-20 起），2026-11-23 起超出。');
    expect(involvedRx(r)).toEqual(['R20', 'R21', 'R22']);
  });
});

describe('copies that do not clearly show two admissions are one encounter, as before', () => {
  // Guards of the behaviour kept (they pass without the change too): the 单次住院 count runs over both copies.
  const counted = (stays: Stay[], day: number) =>
    one(resultsOf(run(lib, staysUnderOneId(stays), undefined, '3101', at(day)), PAY_DAYS)).vola_cont;

  it('an earlier copy with no real discharge (S-01 fills dscg_date with adm_date; 9999-12-31; none sent)', () => {
    for (const dscg of ['2026-11-20 09:00:00', '2026-11-20 18:00:00', '9999-12-31 00:00:00', '']) {
      expect(counted([{ ...first, dscg }, second([29])], 29), dscg).toContain('（2026-11-20 起），2026-11-29 起超出。');
    }
  });

  it('an earlier copy discharged after the later admission day, and copies of one admission day', () => {
    expect(counted([{ ...first, dscg: '2026-11-30 10:00:00' }, second([29])], 29)).toContain('（2026-11-20 起）');
    const sameDay = { ...second([29]), adm: '2026-11-20 09:00:00' };
    expect(counted([first, sameDay], 29)).toContain('（2026-11-20 起）');
  });
});

describe("a stay question of a later admission under a reused mdtrt_id is the new stay's own", () => {
  const woman = (lines: LineSpec[]) => lines.map((l) => ({ ...l, code: APALUTAMIDE }));
  const sexQuestion = (stays: Stay[], day: number) =>
    one(resultsOf(run(lib, staysUnderOneId(stays), undefined, '3101', at(day)), SEX_DRUG));
  const stay1: Stay = { ...first, lines: woman(doses('S', [20], true)) };
  const stay2 = (days: number[]): Stay => ({ ...second(days), lines: woman(doses('T', days, true)) });

  it("the first admission's id is not the second's, and the second keeps its id through its stay", () => {
    // Asked in the first admission, sent alone while it was current: the id every release gave it.
    const asked = sexQuestion([stay1], 20);
    const inSecond = sexQuestion([{ ...stay1, lines: woman(doses('S', [20], false)) }, stay2([29])], 29);
    expect(inSecond.mdtrt_id).toBe(asked.mdtrt_id);
    expect(inSecond.jr_id).not.toBe(asked.jr_id);
    const nextDay = sexQuestion([{ ...stay1, lines: woman(doses('S', [20], false)) }, stay2([29, 30])], 30);
    expect(nextDay.jr_id).toBe(inSecond.jr_id);
  });

  it('a third admission is a stay of its own again', () => {
    const history = (lines: LineSpec[]) => woman(lines.map((l) => ({ ...l, current: false })));
    const a: Stay = { adm: '2026-11-01 09:00:00', dscg: '2026-11-05 10:00:00', lines: woman(doses('U', [1], true)) };
    const b: Stay = { adm: '2026-11-10 09:00:00', dscg: '2026-11-15 10:00:00', lines: woman(doses('V', [10], true)) };
    const c: Stay = { adm: '2026-11-20 09:00:00', dscg: '9999-12-31 00:00:00', lines: woman(doses('W', [20], true)) };
    const ids = [
      sexQuestion([a], 1).jr_id,
      sexQuestion([{ ...a, lines: history(a.lines) }, b], 10).jr_id,
      sexQuestion([{ ...a, lines: history(a.lines) }, { ...b, lines: history(b.lines) }, c], 20).jr_id,
    ];
    expect(new Set(ids).size).toBe(3);
  });
});
