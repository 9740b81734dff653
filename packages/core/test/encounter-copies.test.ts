import type { AnalysisInput, AnalyzeOutcome } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, flaggedRx, type RequestSpec, resultsOf, run } from './support/requests';

/**
 * How the encounters and rx_ids of a patient are read: one mdtrt_id listed twice (a HIS appending the current visit to
 * its history list), curr_mdtrt_id that names none of several encounters, and an rx_id repeated in an encounter. Real
 * national codes: 阿帕他胺片 is male-only (药品限性别), 儿童清肺口服液 children-only, 住院诊查费 at most 1 a day.
 */
const lib = nationalLibrary();
const SEX_DRUG = 'GZ10000301004000';
const FREQ = 'GZ10000102014000';
const APALUTAMIDE = 'XL02BBA326A001010102180';
const CHILDREN_DRUG = 'ZA04CAE0023010100166';
const INPATIENT_VISIT_FEE = '001102000050000';

type Encounters = AnalysisInput['data']['patient_dtos'][number]['fsi_encounter_dtos'];

function encountersOf(input: AnalysisInput): Encounters {
  return input.data.patient_dtos[0]!.fsi_encounter_dtos;
}

/** The encounter of `spec` sent as two copies under its mdtrt_id: `first`'s lines, then `second`'s. */
function twoCopies(spec: Omit<RequestSpec, 'lines'>, first: RequestSpec['lines'], second: RequestSpec['lines']) {
  const input = analysisInput({ ...spec, lines: first });
  const copy = encountersOf(analysisInput({ ...spec, lines: second }))[0]!;
  encountersOf(input).push(copy);
  return input;
}

function refusal(outcome: AnalyzeOutcome): { path: string; message: string }[] {
  if (outcome.ok) throw new Error(`expected a refusal, got ${outcome.output.result.length} results`);
  return outcome.errors;
}

describe('one mdtrt_id listed twice is one encounter with the lines of both copies', () => {
  const history = { code: CHILDREN_DRUG, rx_id: 'RXH', date: '2026-11-20 08:30:00', current: false };
  const today = { code: APALUTAMIDE, rx_id: 'RXN', date: '2026-11-20 09:00:00' };

  it('a new current order in the second copy is checked, whichever copy comes first', () => {
    for (const [first, second] of [
      [[history], [today]],
      [[today], [history]],
    ]) {
      const [r] = resultsOf(run(lib, twoCopies({ gend: '2' }, first!, second!)), SEX_DRUG);
      expect(r?.mdtrt_id).toBe('MDTRT-1');
      expect(flaggedRx(r!)).toEqual(['RXN']);
    }
  });

  it('a line in both copies is read once; a copy that calls it current makes it current', () => {
    // 住院诊查费 once in each copy is one charge (1/日 kept): not counted twice.
    const fee = { code: INPATIENT_VISIT_FEE, rx_id: 'V1', date: '2026-11-20 08:00:00' };
    const stay = { med_mdtrt_type: '2', med_type: '21' };
    expect(resultsOf(run(lib, twoCopies(stay, [fee], [fee])), FREQ)).toEqual([]);
    // A second, new 诊查费 in the second copy is added, so the day has two.
    const second = { ...fee, rx_id: 'V2', date: '2026-11-20 10:00:00' };
    expect(resultsOf(run(lib, twoCopies(stay, [fee], [fee, second])), FREQ)).toHaveLength(1);
    // The history list sent the order as old (0), the appended visit as new (1): it is today's order.
    const [r] = resultsOf(run(lib, twoCopies({ gend: '2' }, [{ ...today, current: false }], [today])), SEX_DRUG);
    expect(flaggedRx(r!)).toEqual(['RXN']);
  });

  it("a refund in the second copy under its charge's rx_id is read and cancels the charge", () => {
    const charge = { code: APALUTAMIDE, rx_id: 'C1', cnt: 1, pric: 12.5, date: '2026-11-20 09:00:00' };
    const refund = { ...charge, cnt: -1, sumamt: -12.5, date: '2026-11-20 10:00:00' };
    expect(resultsOf(run(lib, twoCopies({ gend: '2' }, [charge], [charge, refund])), SEX_DRUG)).toEqual([]);
  });
});

describe('curr_mdtrt_id with several encounters', () => {
  const spec: RequestSpec = {
    gend: '2',
    mdtrt_id: 'MT-NEW',
    lines: [{ code: APALUTAMIDE, rx_id: 'RXN', date: '2026-11-20 09:00:00' }],
    history: [
      {
        mdtrt_id: 'MT-OLD',
        adm_date: '2026-11-10 08:00:00',
        lines: [{ code: APALUTAMIDE, rx_id: 'RXP', date: '2026-11-10 09:00:00' }],
      },
    ],
  };
  const withCurr = (curr: string | undefined) => {
    const input = analysisInput(spec);
    const patient = input.data.patient_dtos[0] as unknown as Record<string, unknown>;
    if (curr === undefined) delete patient.curr_mdtrt_id;
    else patient.curr_mdtrt_id = curr;
    return input;
  };

  it('naming one of them: only its lines are flagged, the 10-day-old visit is context', () => {
    const [r] = resultsOf(run(lib, withCurr('MT-NEW')), SEX_DRUG);
    expect(r!.mdtrt_id).toBe('MT-NEW');
    expect(flaggedRx(r!)).toEqual(['RXN']);
    expect(resultsOf(run(lib, withCurr('MT-NEW'))).some((x) => x.mdtrt_id === 'MT-OLD')).toBe(false);
  });

  it('missing, empty or naming none of them: refused, naming the field', () => {
    for (const curr of [undefined, '', 'MT-XXX']) {
      const errors = refusal(run(lib, withCurr(curr)));
      expect(errors.map((e) => e.path)).toEqual(['input.data.patient_dtos[0].curr_mdtrt_id']);
      expect(errors[0]!.message).toContain('MT-NEW、MT-OLD');
    }
  });

  it('one encounter (listed once or twice) is the current one whatever curr_mdtrt_id says', () => {
    const one = analysisInput({ gend: '2', lines: spec.lines });
    one.data.patient_dtos[0]!.curr_mdtrt_id = 'MT-XXX';
    expect(flaggedRx(resultsOf(run(lib, one), SEX_DRUG)[0]!)).toEqual(['RXN']);
    encountersOf(one).push(structuredClone(encountersOf(one)[0]!));
    expect(flaggedRx(resultsOf(run(lib, one), SEX_DRUG)[0]!)).toEqual(['RXN']);
  });
});

describe('an rx_id repeated in one encounter', () => {
  const orders = 'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos';

  it('two different items under one rx_id: refused, naming the repeat and the earlier row', () => {
    const errors = refusal(
      run(lib, {
        gend: '2',
        lines: [
          { code: APALUTAMIDE, rx_id: 'RX1' },
          { code: CHILDREN_DRUG, rx_id: 'RX1' },
        ],
      }),
    );
    expect(errors.map((e) => e.path)).toEqual([`${orders}[1].rx_id`]);
    expect(errors[0]!.message).toContain(`${orders}[0].rx_id`);
    expect(errors[0]!.message).toContain(APALUTAMIDE);
    expect(errors[0]!.message).toContain(CHILDREN_DRUG);
  });

  it('in a second copy of the encounter: refused, naming the copy', () => {
    const errors = refusal(
      run(
        lib,
        twoCopies({ gend: '2' }, [{ code: APALUTAMIDE, rx_id: 'RX1' }], [{ code: CHILDREN_DRUG, rx_id: 'RX1' }]),
      ),
    );
    expect(errors.map((e) => e.path)).toEqual([
      'input.data.patient_dtos[0].fsi_encounter_dtos[1].fsi_order_dtos[0].rx_id',
    ]);
    expect(errors[0]!.message).toContain(`${orders}[0].rx_id`);
  });

  it("accepted where real clients repeat it: a refund under its charge's rx_id, one order's daily charges", () => {
    const charge = { code: APALUTAMIDE, rx_id: 'C1', cnt: 2, pric: 12.5, date: '2026-11-20 09:00:00' };
    const refund = { ...charge, cnt: -2, sumamt: -25, date: '2026-11-20 10:00:00' };
    expect(resultsOf(run(lib, { gend: '2', lines: [charge, refund] }), SEX_DRUG)).toEqual([]);
    // A 3102's fee details: each day's 诊查费 of the stay under the order's rx_id.
    const daily = [18, 19, 20].map((d) => ({
      code: INPATIENT_VISIT_FEE,
      rx_id: 'ORDER-7',
      long: true,
      date: `2026-11-${d} 08:00:00`,
    }));
    const out = run(lib, { med_mdtrt_type: '2', med_type: '21', lines: daily }, undefined, '3102');
    expect(resultsOf(out, FREQ)).toEqual([]);
    // The same rx_id in another encounter is another line.
    const [r] = resultsOf(
      run(lib, {
        gend: '2',
        lines: [{ code: APALUTAMIDE, rx_id: 'RX1' }],
        history: [{ mdtrt_id: 'MT-OLD', lines: [{ code: CHILDREN_DRUG, rx_id: 'RX1', current: false }] }],
      }),
      SEX_DRUG,
    );
    expect(flaggedRx(r!)).toEqual(['RX1']);
  });
});
