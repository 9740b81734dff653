import { describe, expect, it } from 'vitest';
import type { JudgeResultDto } from '../src/types';
import { VanishedWarnings } from '../src/vanished';

interface Line {
  rx_id: string;
  rxno: string;
  curr_drord_flag?: string;
}

const ENCOUNTER = 'MZ-1';

function request(lines: readonly Line[], extra: { mdtrtId?: string; trigScen?: string } = {}) {
  return {
    data: {
      task_id: 'T',
      trig_scen: extra.trigScen ?? '2',
      patient_dtos: [
        {
          patn_id: 'P1',
          fsi_encounter_dtos: [
            {
              mdtrt_id: extra.mdtrtId ?? ENCOUNTER,
              fsi_diagnose_dtos: [],
              fsi_order_dtos: lines.map((l) => ({ ...l })),
            },
          ],
        },
      ],
    },
  };
}

/** A warning on the lines given; the first is the 违规项, the others 涉及项. */
function warning(jrId: string, rxIds: readonly string[], extra: Partial<JudgeResultDto> = {}): JudgeResultDto {
  return {
    jr_id: jrId,
    rule_id: `RULE-${jrId}`,
    rule_name: jrId,
    vola_cont: '',
    patn_id: 'P1',
    mdtrt_id: ENCOUNTER,
    judge_result_detail_dtos: rxIds.map((rxId, index) => ({
      jrd_id: `${jrId}-${index}`,
      patn_id: 'P1',
      mdtrt_id: ENCOUNTER,
      rx_id: rxId,
      vola_item_type: index === 0 ? '1' : '2',
      vola_amt: 1,
    })),
    vola_amt: 1,
    vola_amt_stas: '1',
    sev_deg: '2',
    vola_evid: '',
    vola_bhvr_type: '1',
    task_id: 'T',
    wf_impact: 'reason',
    kp_id: '',
    ...extra,
  };
}

const A = { rx_id: 'A', rxno: 'CF1' };
const B = { rx_id: 'B', rxno: 'CF1' };
const C = { rx_id: 'C', rxno: 'CF2' };
const D = { rx_id: 'D', rxno: 'CF2' };
const ids = (results: readonly JudgeResultDto[]) => results.map((r) => r.jr_id);
/** The line re-sent as history (spec §6.2): the order saved as it was, not checked again. */
const history = (line: Line): Line => ({ ...line, curr_drord_flag: '0' });
const whole = { wholePrescriptions: true };

describe('VanishedWarnings', () => {
  it('finds a warning whose line is still sent but no longer flagged, or was deleted from a prescription still sent', () => {
    const tracker = new VanishedWarnings(whole);
    tracker.next({
      request: request([A, B, C]),
      results: [warning('WA', ['A']), warning('WB', ['B']), warning('WC', ['C'])],
    });
    // A changed (still sent), B deleted from CF1 (still sent), C still flagged.
    expect(ids(tracker.next({ request: request([A, C]), results: [warning('WC', ['C'])] }))).toEqual(['WA', 'WB']);
    // Reported once.
    expect(ids(tracker.next({ request: request([A, C]), results: [] }))).toEqual(['WC']);
  });

  it('leaves a warning whose prescription was not sent, until a request sends that prescription without it', () => {
    const tracker = new VanishedWarnings(whole);
    tracker.next({ request: request([A, C, D]), results: [warning('WC', ['C'])] });
    expect(ids(tracker.next({ request: request([A]), results: [] }))).toEqual([]);
    expect(ids(tracker.next({ request: request([A, D]), results: [] }))).toEqual(['WC']);
  });

  it('needs every line the warning names, 涉及项 included, accounted for', () => {
    const tracker = new VanishedWarnings(whole);
    tracker.next({ request: request([A, C]), results: [warning('WAC', ['A', 'C'])] });
    expect(ids(tracker.next({ request: request([A]), results: [] }))).toEqual([]);
    expect(ids(tracker.next({ request: request([A, D]), results: [] }))).toEqual(['WAC']);
  });

  it('does not take a warning as resolved by another scene, a failed or cut answer, or a rules update', () => {
    const tracker = new VanishedWarnings();
    tracker.next({ request: request([A]), results: [warning('WA', ['A'])] });
    expect(tracker.next({ infno: '3102', request: request([A]), results: [] })).toEqual([]);
    expect(tracker.next({ request: request([A], { trigScen: '1' }), results: [] })).toEqual([]);
    expect(tracker.next({ request: request([A]), results: [], status: 'fail_open' })).toEqual([]);
    expect(tracker.next({ request: request([A]), results: [], truncated: true })).toEqual([]);
    expect(tracker.next({ request: { data: {} }, results: [] })).toEqual([]);
    // The same rule on the same line under a new jr_id (another library version): the same warning.
    const renamed = warning('WA2', ['A'], { rule_id: 'RULE-WA' });
    expect(tracker.next({ request: request([A]), results: [renamed] })).toEqual([]);
    expect(ids(tracker.next({ request: request([A]), results: [] }))).toEqual(['WA', 'WA2']);
  });

  it('forgets the warnings of an encounter the request no longer contains', () => {
    const tracker = new VanishedWarnings();
    tracker.next({ request: request([A]), results: [warning('WA', ['A'])] });
    expect(tracker.next({ request: request([A], { mdtrtId: 'MZ-2' }), results: [] })).toEqual([]);
    expect(tracker.next({ request: request([A]), results: [] })).toEqual([]);
  });

  it('does not track a warning the doctor already continued (prior_dspo)', () => {
    const tracker = new VanishedWarnings();
    const continued = { ...warning('WA', ['A']), prior_dspo: true, dspo_way: '1' };
    tracker.next({ request: request([A]), results: [continued] });
    expect(tracker.next({ request: request([A]), results: [] })).toEqual([]);
  });

  it('reads the lenient shapes the sidecar accepts: single objects for lists, numbers for codes, data alone', () => {
    const tracker = new VanishedWarnings(whole);
    const lenient = (orders: unknown) => ({
      trig_scen: 2,
      patient_dtos: { patn_id: 'P1', fsi_encounter_dtos: { mdtrt_id: ENCOUNTER, fsi_order_dtos: orders } },
    });
    tracker.next({
      request: lenient([
        { rx_id: 7, rxno: 1 },
        { rx_id: 8, rxno: 1 },
      ]),
      results: [warning('W7', ['7'])],
    });
    expect(ids(tracker.next({ request: lenient({ rx_id: 8, rxno: 1 }), results: [] }))).toEqual(['W7']);
  });

  it('does not take a warning as resolved when its line is re-sent as history (curr_drord_flag 0)', () => {
    const tracker = new VanishedWarnings(whole);
    tracker.next({ request: request([A, C]), results: [warning('WA', ['A']), warning('WAC', ['A', 'C'])] });
    // Saved unchanged, one line added: the checks ran on E alone.
    const E = { rx_id: 'E', rxno: 'CF3' };
    expect(ids(tracker.next({ request: request([history(A), history(C), E]), results: [] }))).toEqual([]);
    // Sent as current lines again and no longer flagged: now resolved.
    expect(ids(tracker.next({ request: request([A, C, E]), results: [] }))).toEqual(['WA', 'WAC']);
  });

  it('takes a flagged line missing from a prescription still sent as deleted only when the host sends whole prescriptions', () => {
    // A HIS that analyses the orders the doctor selects (spec §5.3): B selected, A not.
    const selected = new VanishedWarnings();
    selected.next({ request: request([A, B]), results: [warning('WA', ['A'])] });
    expect(ids(selected.next({ request: request([B]), results: [] }))).toEqual([]);
    // Still sent as a current line and no longer flagged is enough without the declaration.
    expect(ids(selected.next({ request: request([A, B]), results: [] }))).toEqual(['WA']);

    const declared = new VanishedWarnings(whole);
    declared.next({ request: request([A, B]), results: [warning('WA', ['A'])] });
    expect(ids(declared.next({ request: request([B]), results: [], wholePrescriptions: false }))).toEqual([]);
    expect(ids(declared.next({ request: request([B]), results: [] }))).toEqual(['WA']);
  });

  it('a warning naming no line (a gateway result without details) is never taken as resolved', () => {
    const tracker = new VanishedWarnings(whole);
    tracker.next({ request: request([A]), results: [warning('WX', []), warning('WA', ['A'])] });
    expect(ids(tracker.next({ request: request([A]), results: [] }))).toEqual(['WA']);
  });
});
