import { validateAnalysisInput, validateFeedbackInput, validateRequestEnvelope } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const APALUTAMIDE = 'XL02BBA326A001010102180';

describe('tolerant input', () => {
  it('accepts single objects for patient_dtos / fsi_encounter_dtos and numbers as strings', () => {
    const input = analysisInput({
      gend: '2',
      lines: [{ code: APALUTAMIDE, cnt: '2', pric: '100.50', sumamt: '201.00' }],
    });
    const data = input.data as unknown as Record<string, unknown>;
    const patient = (data.patient_dtos as Record<string, unknown>[])[0]!;
    patient.fsi_encounter_dtos = (patient.fsi_encounter_dtos as unknown[])[0];
    data.patient_dtos = patient;
    const [r] = resultsOf(run(lib, input), 'GZ10000301004000');
    expect(r!.vola_amt).toBe(201);
    expect(typeof r!.vola_amt).toBe('number');
  });

  it('accepts gend and trig_scen as numbers, rule_ids as "" and fsi_operation_dtos as ""', () => {
    const input = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE }] }) as unknown as {
      data: Record<string, unknown>;
    };
    input.data.trig_scen = 2;
    input.data.rule_ids = '';
    const patient = (input.data.patient_dtos as Record<string, unknown>[])[0]!;
    patient.gend = 2;
    (patient.fsi_encounter_dtos as Record<string, unknown>[])[0]!.fsi_operation_dtos = '';
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(true);
  });

  it('accepts infno as a number in the envelope', () => {
    const v = validateRequestEnvelope({ infno: 3101, input: { data: {} } });
    expect(v.ok && v.value.infno).toBe('3101');
  });
});

describe('rejection names every bad field', () => {
  it('missing rx_id, empty patient_dtos (a missing hilist_code is a data-quality reminder instead)', () => {
    const input = analysisInput({ lines: [{ code: APALUTAMIDE }, { code: APALUTAMIDE }] }) as unknown as {
      data: Record<string, unknown>;
    };
    const orders = (
      (input.data.patient_dtos as Record<string, unknown>[])[0]!.fsi_encounter_dtos as Record<string, unknown>[]
    )[0]!.fsi_order_dtos as Record<string, unknown>[];
    delete orders[0]!.rx_id;
    orders[1]!.hilist_code = '';
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const paths = v.errors.map((e) => e.path);
    expect(paths).toContain('input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].rx_id');
    expect(paths).not.toContain('input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[1].hilist_code');
    expect(v.message).toContain('fsi_order_dtos[0].rx_id');
    expect(validateAnalysisInput({ data: { patient_dtos: [] } }).ok).toBe(false);
  });

  it('a malformed date is an error naming its path, not a silent skip', () => {
    const out = run(lib, { brdy: '1980-13-01', lines: [{ code: APALUTAMIDE, date: '2026/11/20' }] });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.errors.map((e) => e.path)).toEqual([
      'input.data.patient_dtos[0].brdy',
      'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].drord_begn_date',
    ]);
  });

  it('an amount or count beyond any real one ("1e400" is Infinity once read) is an error naming the field', () => {
    for (const cnt of ['1e400', JSON.parse('1e400'), '-1e16']) {
      const input = analysisInput({ lines: [{ code: APALUTAMIDE }] });
      const order = (
        input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos as unknown as Record<string, unknown>[]
      )[0]!;
      order.cnt = cnt;
      const v = validateAnalysisInput(input);
      expect(v.ok, String(cnt)).toBe(false);
      if (!v.ok) {
        expect(v.errors).toEqual([
          { path: 'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].cnt', message: '数值超出范围' },
        ]);
      }
    }
  });

  it('reads fractional seconds (.S to .SSS) and refuses anything else after the seconds, naming the field', () => {
    for (const date of ['2026-11-20 09:00:00.5', '2026-11-20 09:00:00.50', '2026-11-20T09:00:00.500']) {
      expect(run(lib, { lines: [{ code: APALUTAMIDE, date }] }).ok, date).toBe(true);
    }
    // "…Z" is UTC, 8 hours behind the Shanghai wall clock the national times are in: never read as wall clock.
    for (const date of [
      '2026-11-20 23:30:00.000Z',
      '2026-11-20 09:00:00.5garbage',
      '2026-11-20 09:00:00.',
      '2026-11-20 09:00:00.0000',
    ]) {
      const out = run(lib, { lines: [{ code: APALUTAMIDE, date }] });
      expect(out.ok, date).toBe(false);
      if (!out.ok) {
        expect(out.errors.map((e) => e.path)).toEqual([
          'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].drord_begn_date',
        ]);
      }
    }
  });

  it('trig_scen outside 1–10 is rejected', () => {
    const out = run(lib, { trig_scen: '23', lines: [{ code: APALUTAMIDE }] });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toContain('input.data.trig_scen');
  });

  it('3103: dspo_way and warn_type codes, a single warns object accepted', () => {
    const ok = validateFeedbackInput({ data: { warn_type: 1, warns: { warn_rslt_id: 'JR1', dspo_way: '2' } } });
    expect(ok.ok).toBe(true);
    const bad = validateFeedbackInput({ data: { warn_type: '3', warns: [{ warn_rslt_id: '', dspo_way: '4' }] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => e.path).sort()).toEqual([
        'input.data.warn_type',
        'input.data.warns[0].dspo_way',
        'input.data.warns[0].warn_rslt_id',
      ]);
    }
  });
});

describe('output and jr_id', () => {
  it('jr_id is stable across tasks and edits that leave the warning unchanged; changes with the flagged lines', () => {
    const base = { gend: '2', lines: [{ code: APALUTAMIDE, rx_id: 'L1' }] };
    const first = resultsOf(run(lib, base), 'GZ10000301004000')[0]!;
    const again = resultsOf(
      run(lib, { ...base, lines: [...base.lines, { code: 'ZA04CAE0023010100166', rx_id: 'L2' }] }),
      'GZ10000301004000',
    )[0]!;
    expect(again.jr_id).toBe(first.jr_id);
    expect(again.task_id).not.toBe(first.task_id);
    expect(first.judge_result_detail_dtos[0]!.jrd_id).toBe(`${first.jr_id}-1`);
    // A per-day limit's id follows its flagged lines (a patient fact's is its point's: patient-fact-stay.test).
    const visitFee = (rx_id: string) =>
      resultsOf(
        run(lib, { med_mdtrt_type: '2', med_type: '21', lines: [{ code: '001102000050000', cnt: 2, rx_id }] }),
        'GZ10000102014000',
      )[0]!;
    expect(visitFee('L9').jr_id).not.toBe(visitFee('L1').jr_id);
    // A patient fact's id is its point's in the encounter: another rx_id, or another pack of 阿帕他胺片 (a second code
    // of the same point), keeps it; another encounter does not.
    const sexWarning = (code: string, rx_id: string, mdtrt_id?: string) =>
      resultsOf(run(lib, { gend: '2', mdtrt_id, lines: [{ code, rx_id }] }), 'GZ10000301004000')[0]!.jr_id;
    expect(sexWarning(APALUTAMIDE, 'L9')).toBe(first.jr_id);
    expect(sexWarning('XL02BBA326A001010178537', 'L3')).toBe(first.jr_id);
    expect(sexWarning(APALUTAMIDE, 'L1', 'MDTRT-2')).not.toBe(first.jr_id);
  });

  // Found by fuzz-input.test.ts: a request listing one encounter twice (or its patient twice) was answered with
  // every result twice under the same jr_id; a HIS that stores results by jr_id fails on the second.
  it('an encounter or a patient sent twice is answered with each jr_id once', () => {
    const once = resultsOf(run(lib, { gend: '2', lines: [{ code: APALUTAMIDE, rx_id: 'L1' }] }));
    expect(once.length).toBeGreaterThan(0);
    const encounterTwice = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, rx_id: 'L1' }] });
    const encounters = encounterTwice.data.patient_dtos[0]!.fsi_encounter_dtos;
    encounters.push(structuredClone(encounters[0]!));
    const patientTwice = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, rx_id: 'L1' }] });
    patientTwice.data.patient_dtos.push(structuredClone(patientTwice.data.patient_dtos[0]!));
    for (const input of [encounterTwice, patientTwice]) {
      const results = resultsOf(run(lib, input));
      expect(results.map((r) => r.jr_id)).toEqual(once.map((r) => r.jr_id));
      expect(results.map((r) => r.rule_id)).toEqual(once.map((r) => r.rule_id));
    }
    // Its quantities are not added up twice either: 住院诊查费 (1/日) once a day is within its limit.
    const visitFee = { med_mdtrt_type: '2', med_type: '21', lines: [{ code: '001102000050000', cnt: 1 }] };
    expect(resultsOf(run(lib, visitFee))).toEqual([]);
    const feeTwice = analysisInput(visitFee);
    const feeEncounters = feeTwice.data.patient_dtos[0]!.fsi_encounter_dtos;
    feeEncounters.push(structuredClone(feeEncounters[0]!));
    expect(resultsOf(run(lib, feeTwice))).toEqual([]);
  });

  it('rule_ids narrows the rules that run; an empty result means nothing fired', () => {
    const spec = { gend: '2', lines: [{ code: APALUTAMIDE }] };
    const input = analysisInput(spec);
    input.data.rule_ids = ['GZ10000101008000'];
    expect(resultsOf(run(lib, input)).map((r) => r.rule_id)).toEqual(['GZ10000101008000']);
    expect(resultsOf(run(lib, { gend: '1', lines: [{ code: '001102000050000' }] }))).toEqual([]);
    // One string, as some clients send the 集合: split on commas (and the full-width ones).
    const listed = analysisInput(spec);
    (listed.data as { rule_ids: unknown }).rule_ids = 'GZ10000301004000， GZ10000101008000';
    expect(
      resultsOf(run(lib, listed))
        .map((r) => r.rule_id)
        .sort(),
    ).toEqual(['GZ10000101008000', 'GZ10000301004000']);
    const one = analysisInput(spec);
    (one.data as { rule_ids: unknown }).rule_ids = 'GZ10000101008000';
    expect(resultsOf(run(lib, one)).map((r) => r.rule_id)).toEqual(['GZ10000101008000']);
  });

  it('rule_ids naming no rule of the library are set aside; none known is as if rule_ids were absent', () => {
    const spec = { gend: '2', lines: [{ code: APALUTAMIDE }] };
    const all = resultsOf(run(lib, spec)).map((r) => r.rule_id);
    expect(all).toContain('GZ10000301004000');
    for (const trig_scen of ['', '2']) {
      const input = analysisInput({ ...spec, trig_scen });
      input.data.rule_ids = ['R01', ' R02 '];
      const out = run(lib, input);
      expect(resultsOf(out).map((r) => r.rule_id)).toEqual(all);
      expect(out.ok && out.unknownRuleIds).toEqual(['R01', 'R02']);
    }
    // Known ids still narrow, the unknown ones beside them are ignored (and reported).
    const mixed = analysisInput(spec);
    mixed.data.rule_ids = ['R01', 'GZ10000101008000'];
    const out = run(lib, mixed);
    expect(resultsOf(out).map((r) => r.rule_id)).toEqual(['GZ10000101008000']);
    expect(out.ok && out.unknownRuleIds).toEqual(['R01']);
  });

  it('a birth date after the request is an error naming brdy; a line dated before the birth has no age', () => {
    const future = run(lib, { brdy: '2026-11-21', lines: [{ code: APALUTAMIDE }] });
    expect(future.ok).toBe(false);
    if (!future.ok) {
      expect(future.errors.map((e) => e.path)).toEqual(['input.data.patient_dtos[0].brdy']);
      expect(future.message).toContain('晚于请求日期 2026-11-20');
    }
    // 职业功能训练 (法定就业年龄 16–60) on a line dated the day before a newborn's birth: no "-1 周岁" reminder.
    const beforeBirth = run(lib, {
      brdy: '2026-11-20',
      lines: [{ code: '003402000320000', date: '2026-11-19 09:00:00' }],
    });
    expect(resultsOf(beforeBirth).filter((r) => r.vola_cont.includes('-1 周岁'))).toEqual([]);
    expect(resultsOf(beforeBirth, 'PA-SVC-AGE-RANGE')).toEqual([]);
    const newborn = run(lib, { brdy: '2026-11-20', lines: [{ code: '003402000320000', date: '2026-11-20 09:00:00' }] });
    expect(resultsOf(newborn, 'PA-SVC-AGE-RANGE')[0]!.vola_cont).toContain('0 周岁');
  });

  it('a rule switched off for the workstation does not run', () => {
    const spec = { gend: '2', lines: [{ code: APALUTAMIDE }] };
    const config = { ruleOverrides: { GZ10000301004000: { enabled: false } } };
    expect(resultsOf(run(lib, spec, config), 'GZ10000301004000')).toEqual([]);
  });
});
