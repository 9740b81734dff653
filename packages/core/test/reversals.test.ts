import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, flaggedRx, resultsOf, run } from './support/requests';

/**
 * Reversal (冲销/退费) lines — negative quantity or amount — cancel the charges they reverse instead of being read as
 * orders. Real codes: 阿帕他胺片 is male-only (药品限性别), 住院诊查费 at most 1 a day, 奥扎格雷钠注射液 paid at most 14
 * days.
 */
const lib = nationalLibrary();
const SEX_DRUG = 'GZ10000301004000';
const FREQ = 'GZ10000102014000';
const PAY_DAYS = 'GZ10000101010000';
const APALUTAMIDE = 'XL02BBA326A001010102180';
const INPATIENT_VISIT_FEE = '001102000050000';
const OZAGREL = 'XB01AXA223B002010100156';
const inpatient = { med_mdtrt_type: '2', med_type: '21', trig_scen: '5' };
const day = (d: number, h = 9) => `2026-11-${String(d).padStart(2, '0')} ${String(h).padStart(2, '0')}:00:00`;

describe('reversal lines', () => {
  it('a reversal alone is not reminded: no negative amount, no result', () => {
    const out = run(lib, {
      gend: '2',
      lines: [{ code: APALUTAMIDE, rx_id: 'REV', cnt: '-2', pric: '12.50', sumamt: '-25.00' }],
    });
    expect(resultsOf(out, SEX_DRUG)).toEqual([]);
    if (out.ok) for (const r of out.output.result) expect(r.vola_amt).toBeGreaterThanOrEqual(0);
  });

  it('a charge wholly reversed is not reminded; one partly reversed is, for what is left', () => {
    const whole = run(lib, {
      gend: '2',
      lines: [
        { code: APALUTAMIDE, rx_id: 'C1', cnt: 2, pric: 12.5, date: day(20, 9) },
        { code: APALUTAMIDE, rx_id: 'R1', cnt: -2, pric: 12.5, sumamt: -25, date: day(20, 10) },
      ],
    });
    expect(resultsOf(whole, SEX_DRUG)).toEqual([]);

    const partly = run(lib, {
      gend: '2',
      lines: [
        { code: APALUTAMIDE, rx_id: 'C1', cnt: 3, pric: 12.5, date: day(20, 9) },
        { code: APALUTAMIDE, rx_id: 'R1', cnt: -2, pric: 12.5, sumamt: -25, date: day(20, 10) },
      ],
    });
    const [r, ...more] = resultsOf(partly, SEX_DRUG);
    expect(more).toEqual([]);
    expect(flaggedRx(r!)).toEqual(['C1']);
    expect(r!.vola_amt).toBe(12.5);
  });

  it('a refunded duplicate charge no longer exceeds 1 a day; without the refund it does', () => {
    const twice = [
      { code: INPATIENT_VISIT_FEE, rx_id: 'V1', pric: 11, date: day(20, 8) },
      { code: INPATIENT_VISIT_FEE, rx_id: 'V2', pric: 11, date: day(20, 9) },
    ];
    expect(resultsOf(run(lib, { ...inpatient, lines: twice }), FREQ)).toHaveLength(1);
    const refunded = run(lib, {
      ...inpatient,
      lines: [...twice, { code: INPATIENT_VISIT_FEE, rx_id: 'V2-', cnt: -1, pric: 11, date: day(20, 11) }],
    });
    expect(resultsOf(refunded, FREQ)).toEqual([]);
  });

  it('a refunded day of use is not a day of use: 14 days plus one reversed stays within 14', () => {
    const days = Array.from({ length: 15 }, (_, i) => ({
      code: OZAGREL,
      rx_id: `D${i + 1}`,
      date: day(i + 1),
      current: i === 14,
    }));
    expect(resultsOf(run(lib, { ...inpatient, lines: days }), PAY_DAYS)).toHaveLength(1);
    // Day 3's dose returned on day 4 (退药): the same quantity on another day is the latest charge before it.
    const returned = run(lib, {
      ...inpatient,
      lines: [...days.slice(0, 3), { code: OZAGREL, rx_id: 'D3-', cnt: -1, date: day(3, 15) }, ...days.slice(3)],
    });
    expect(resultsOf(returned, PAY_DAYS)).toEqual([]);
  });

  it('a reversal cancels the charge of its own day and quantity first, else the latest before it', () => {
    const out = run(lib, {
      gend: '2',
      lines: [
        { code: APALUTAMIDE, rx_id: 'A', cnt: 1, pric: 10, date: day(18) },
        { code: APALUTAMIDE, rx_id: 'B', cnt: 2, pric: 10, date: day(19) },
        { code: APALUTAMIDE, rx_id: 'C', cnt: 1, pric: 10, date: day(20, 8) },
        { code: APALUTAMIDE, rx_id: 'B-', cnt: -2, pric: 10, date: day(19, 18) },
        { code: APALUTAMIDE, rx_id: 'X-', cnt: -1, pric: 10, date: day(19, 20) },
      ],
    });
    // B- takes back B (same day, same quantity); X-, on the 19th with no charge of its own left that day, takes back
    // the latest earlier charge still open, A, not the later C.
    const [r] = resultsOf(out, SEX_DRUG);
    expect(flaggedRx(r!)).toEqual(['C']);
    expect(r!.vola_amt).toBe(10);
  });

  it("a refund never cancels the doctor's order made after it: the earlier charge it refunds goes", () => {
    const out = run(lib, {
      gend: '2',
      lines: [
        { code: APALUTAMIDE, rx_id: 'OLD', cnt: 1, pric: 12.5, date: day(20, 8), current: false },
        { code: APALUTAMIDE, rx_id: 'OLD-', cnt: -1, pric: 12.5, date: day(20, 9), current: false },
        { code: APALUTAMIDE, rx_id: 'NEW', cnt: 1, pric: 12.5, date: day(20, 10) },
      ],
    });
    const [r] = resultsOf(out, SEX_DRUG);
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(r!.vola_amt).toBe(12.5);
  });

  it('a surgery charged in full, reversed and charged again at 50% is not a discount violation', () => {
    const SURGERY_DISCOUNT = 'GZ10000102002000';
    const A = '003310010140000';
    const B = '003310010160000';
    const at = (h: number) => `2026-11-19 ${String(h).padStart(2, '0')}:00:00`;
    const surgery = { ...inpatient, trig_scen: '8', adm_date: '2026-11-18 08:00:00' };
    const full = { code: B, rx_id: 'B1', cnt: 1, pric: 3000, hilist_pric: 3000, date: at(10) };
    const main = { code: A, rx_id: 'A', cnt: 1, pric: 5000, date: at(9) };
    // Without the re-charge the full price is the violation: the check does fire on these lines.
    expect(resultsOf(run(lib, { ...surgery, lines: [main, full] }), SURGERY_DISCOUNT)).toHaveLength(1);
    const recharged = run(lib, {
      ...surgery,
      lines: [
        main,
        full,
        { code: B, rx_id: 'B1-', cnt: -1, pric: 3000, hilist_pric: 3000, date: at(11) },
        { code: B, rx_id: 'B2', cnt: 1, pric: 1500, hilist_pric: 3000, date: at(12) },
      ],
    });
    expect(resultsOf(recharged, SURGERY_DISCOUNT)).toEqual([]);
  });

  it("a date-only refund of the day's dose cancels that day's charge, not the day before", () => {
    const days = Array.from({ length: 14 }, (_, i) => ({
      code: OZAGREL,
      rx_id: `D${i + 1}`,
      date: day(i + 1),
      current: false,
    }));
    const out = run(lib, {
      ...inpatient,
      lines: [
        ...days,
        { code: OZAGREL, rx_id: 'D15', cnt: 2, pric: 30, date: day(15) },
        { code: OZAGREL, rx_id: 'D15-', cnt: -1, pric: 30, date: '2026-11-15' },
      ],
    });
    const [r] = resultsOf(out, PAY_DAYS);
    expect(flaggedRx(r!)).toEqual(['D15']);
    expect(r!.vola_amt).toBe(30);
  });

  it('one dose returned from a long-term order running for days does not erase the order', () => {
    const order = { code: OZAGREL, rx_id: 'L1', long: true, date: day(1), pric: 30 };
    const refund = { code: OZAGREL, rx_id: 'L1-', cnt: -1, pric: 30, date: day(10) };
    const withoutTask = (rs: { task_id: string }[]) => rs.map(({ task_id, ...r }) => r);
    const before = withoutTask(resultsOf(run(lib, { ...inpatient, lines: [order] }), PAY_DAYS));
    expect(before).toHaveLength(1);
    expect(withoutTask(resultsOf(run(lib, { ...inpatient, lines: [order, refund] }), PAY_DAYS))).toEqual(before);
  });

  it('a refund sent as an amount only (no cnt) gives money back, and removes a charge only when all of it', () => {
    const whole = analysisInput({
      gend: '2',
      lines: [
        { code: APALUTAMIDE, rx_id: 'C1', cnt: 3, pric: 12.5, date: day(20, 9) },
        { code: APALUTAMIDE, rx_id: 'R1', pric: 12.5, sumamt: -37.5, date: day(20, 10) },
      ],
    });
    const partly = analysisInput({
      gend: '2',
      lines: [
        { code: APALUTAMIDE, rx_id: 'C1', cnt: 1, pric: 100, date: day(20, 9) },
        { code: APALUTAMIDE, rx_id: 'R1', pric: 100, sumamt: -30, date: day(20, 10) },
      ],
    });
    for (const input of [whole, partly])
      delete input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos[1]!.cnt;
    expect(resultsOf(run(lib, whole), SEX_DRUG)).toEqual([]);
    const [r] = resultsOf(run(lib, partly), SEX_DRUG);
    expect(flaggedRx(r!)).toEqual(['C1']);
    expect(r!.vola_amt).toBe(70);
  });
});
