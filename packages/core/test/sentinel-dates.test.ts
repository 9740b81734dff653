import { analyze, validateAnalysisInput } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, evening, flaggedRx, inpatient, PAY_DAYS, resultsOf, run } from './support/requests';

// Dates some inpatient HIS send for "none" (/tmp/inpatient-audit/out2/015-E4-stop-9999, 031-E20).
const lib = nationalLibrary();
const EDARAVONE_DEXBORNEOL = 'XN07XXY322B004010101594'; // 依达拉奉右莰醇注射用浓溶液, 14天, 新发 (episode)

const stay = inpatient('2026-11-01 08:00:00');

const payDays = (begin: string, stop: string, day: number) =>
  resultsOf(
    run(
      lib,
      {
        ...stay,
        lines: [{ code: EDARAVONE_DEXBORNEOL, rx_id: 'EDA', pric: 120, long: true, date: begin, stop }],
      },
      undefined,
      '3101',
      evening(day),
    ),
    PAY_DAYS,
  );

describe('drord_stop_date 9999-12-31 (any time) is no stop date', () => {
  it('an order begun today with a stop of 9999-12-31 23:59:59 is day 1 of its course, not 4001 days', () => {
    for (const stop of ['9999-12-31 23:59:59', '9999-12-31 00:00:00', '9999-12-31', '99991231235959']) {
      expect(payDays('2026-11-24 09:00:00', stop, 24), stop).toEqual([]);
    }
  });

  it('it is still running, as with none: begun 11-01, on 11-20 it is 20 days of use, beyond 14', () => {
    const [open] = payDays('2026-11-01 09:00:00', '', 20);
    const [sentinel] = payDays('2026-11-01 09:00:00', '9999-12-31 23:59:59', 20);
    expect(flaggedRx(sentinel!)).toEqual(['EDA']);
    expect(sentinel!.vola_cont).toBe(open!.vola_cont);
    expect(sentinel!.vola_cont).toContain('已用药 20 天');
  });
});

describe('the MySQL zero date', () => {
  it('in drord_stop_date (optional) is not sent: the request is answered as with ""', () => {
    const [open] = payDays('2026-11-01 09:00:00', '', 20);
    for (const stop of ['0000-00-00 00:00:00', '0000-00-00', ' 0000-00-00 00:00:00 ']) {
      const [r] = payDays('2026-11-01 09:00:00', stop, 20);
      expect(r?.vola_cont, stop).toBe(open!.vola_cont);
    }
  });

  it('in a required date field stays an error naming the field', () => {
    const input = analysisInput({ ...stay, lines: [{ code: EDARAVONE_DEXBORNEOL, long: true }] });
    const encounter = input.data.patient_dtos[0]!.fsi_encounter_dtos[0]! as unknown as Record<string, unknown>;
    encounter.adm_date = '0000-00-00 00:00:00';
    (encounter.fsi_order_dtos as Record<string, unknown>[])[0]!.drord_begn_date = '0000-00-00 00:00:00';
    const valid = validateAnalysisInput(input);
    const outcome = valid.ok ? analyze(lib, valid.value, { infno: '3101', now: evening(20) }) : valid;
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((e) => e.path)).toEqual([
      'input.data.patient_dtos[0].fsi_encounter_dtos[0].adm_date',
      'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].drord_begn_date',
    ]);
  });

  it('a schema error elsewhere still lists every bad date, but not the zero stop date', () => {
    const input = analysisInput({ ...stay, lines: [{ code: EDARAVONE_DEXBORNEOL, long: true }] });
    const order = (
      input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos as unknown as Record<string, unknown>[]
    )[0]!;
    order.drord_stop_date = '0000-00-00 00:00:00';
    order.drord_begn_date = '0000-00-00';
    order.cnt = 'three';
    const valid = validateAnalysisInput(input);
    expect(valid.ok).toBe(false);
    if (valid.ok) return;
    const paths = valid.errors.map((e) => e.path);
    expect(paths).toContain('input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].drord_begn_date');
    expect(paths).not.toContain('input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].drord_stop_date');
  });
});

describe('only the sentinel date itself, alone or with a valid time, means none', () => {
  const STOP_PATH = 'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].drord_stop_date';
  const withStop = (stop: unknown, cnt: unknown = 1) => {
    const input = analysisInput({ ...stay, lines: [{ code: EDARAVONE_DEXBORNEOL, long: true }] });
    const order = (
      input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos as unknown as Record<string, unknown>[]
    )[0]!;
    order.drord_stop_date = stop;
    order.cnt = cnt;
    return input;
  };
  /** The paths named by the answer: analyze's (a valid envelope) or the envelope check's (a schema error beside). */
  const errorPaths = (stop: unknown, cnt: unknown = 1): string[] => {
    const valid = validateAnalysisInput(withStop(stop, cnt));
    if (!valid.ok) return valid.errors.map((e) => e.path);
    const outcome = analyze(lib, valid.value, { infno: '3101', now: evening(20) });
    return outcome.ok ? [] : outcome.errors.map((e) => e.path);
  };
  const MALFORMED = ['9999-12-31garbage', '99991231abc', '0000-00-00 0', '00:00:00', '9999-12-31 25:00:00', '0000'];

  it('anything after the sentinel that is not a time, or a time alone, is an error naming drord_stop_date', () => {
    for (const stop of MALFORMED) {
      expect(errorPaths(stop), stop).toEqual([STOP_PATH]);
      // And in the envelope check, when another field fails the schema too.
      expect(errorPaths(stop, 'three'), `${stop} beside a bad cnt`).toContain(STOP_PATH);
    }
  });

  it('every form of the sentinel the date parser reads, at any valid time, is no stop date', () => {
    const [open] = payDays('2026-11-01 09:00:00', '', 20);
    for (const stop of [
      '9999-12-31T23:59:59',
      '9999-12-31 23:59',
      '9999-12-31 23:59:59.000',
      '99991231',
      '0000-00-00 00:00:00.000',
      '00000000',
      '00000000000000',
      '  ',
    ]) {
      expect(errorPaths(stop), stop).toEqual([]);
      expect(payDays('2026-11-01 09:00:00', stop, 20)[0]?.vola_cont, stop).toBe(open!.vola_cont);
    }
    // 99991231 sent as a JSON number reads as the text.
    expect(errorPaths(99991231)).toEqual([]);
  });
});
