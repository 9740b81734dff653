import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, inpatient, type LineSpec, resultsOf, run } from './support/requests';

/**
 * A 药品限二线使用 card asks whether the patient's history shows the first line: a new day's order of the same drug in
 * the same stay asks that same question, so its jr_id is made of the point and the encounter and the doctor's
 * 继续执行 of the first day comes back prior_dspo. Found by a noise walk of a ward week: 阿可替尼胶囊 ordered daily
 * was asked again every day (a new id each day), and a station re-sending the whole stay as current got a card
 * listing every earlier day's line, all answered, under a new id.
 */
const lib = nationalLibrary();
const SECOND_LINE = 'GZ10000101005000';
// 阿可替尼胶囊: "限：1.既往至少接受过一种治疗的成人慢性淋巴细胞白血病(CLL)…；2.…套细胞淋巴瘤(MCL)患者。"
const ACALABRUTINIB = 'XL01ELA387E001010184513';
// 艾托格列净片: "限二线用药。" (the fallback: another drug of its ATC level-4 class), and another pack of its point.
const ERTUGLIFLOZIN = 'XA10BKA338A001010580716';

/** The ward's 3101 on day `d` of a stay admitted 2026-11-18: earlier days as given, today's lines current. */
function wardDay(mdtrtId: string, earlier: LineSpec[], today: LineSpec[], day: number) {
  return run(lib, {
    mdtrt_id: mdtrtId,
    ...inpatient('2026-11-18 10:00:00'),
    diagnoses: ['C91.100'],
    lines: [...earlier, ...today.map((l) => ({ ...l, date: `2026-11-${day} 09:00:00` }))],
  });
}

const line = (code: string, rx_id: string, day: number, current: boolean): LineSpec => ({
  code,
  rx_id,
  date: `2026-11-${day} 09:00:00`,
  current,
});

describe('second_line: one question per stay, like the patient-fact kinds', () => {
  it("a new day's order of the drug, earlier days sent as context, keeps the first day's jr_id", () => {
    const [first] = resultsOf(wardDay('ZY-1', [], [{ code: ACALABRUTINIB, rx_id: 'D1' }], 18), SECOND_LINE);
    const [second] = resultsOf(
      wardDay('ZY-1', [line(ACALABRUTINIB, 'D1', 18, false)], [{ code: ACALABRUTINIB, rx_id: 'D2' }], 19),
      SECOND_LINE,
    );
    expect(first!.sev_deg).toBe('2');
    expect(flaggedRx(first!)).toEqual(['D1']);
    expect(flaggedRx(second!)).toEqual(['D2']);
    expect(second!.jr_id).toBe(first!.jr_id);
  });

  it('a station re-sending the whole stay as current keeps the id while the card grows', () => {
    const [first] = resultsOf(wardDay('ZY-1', [], [{ code: ACALABRUTINIB, rx_id: 'D1' }], 18), SECOND_LINE);
    const [third] = resultsOf(
      wardDay(
        'ZY-1',
        [line(ACALABRUTINIB, 'D1', 18, true), line(ACALABRUTINIB, 'D2', 19, true)],
        [{ code: ACALABRUTINIB, rx_id: 'D3' }],
        20,
      ),
      SECOND_LINE,
    );
    expect(flaggedRx(third!)).toEqual(['D1', 'D2', 'D3']);
    expect(third!.jr_id).toBe(first!.jr_id);
  });

  it('another encounter is another question; the fallback text (限二线用药) is per stay too', () => {
    const [ward] = resultsOf(wardDay('ZY-1', [], [{ code: ACALABRUTINIB, rx_id: 'D1' }], 18), SECOND_LINE);
    const [otherEncounter] = resultsOf(wardDay('ZY-2', [], [{ code: ACALABRUTINIB, rx_id: 'D1' }], 18), SECOND_LINE);
    expect(otherEncounter!.jr_id).not.toBe(ward!.jr_id);
    const [e1] = resultsOf(wardDay('ZY-3', [], [{ code: ERTUGLIFLOZIN, rx_id: 'E1' }], 18), SECOND_LINE);
    const [e2] = resultsOf(
      wardDay('ZY-3', [line(ERTUGLIFLOZIN, 'E1', 18, false)], [{ code: ERTUGLIFLOZIN, rx_id: 'E2' }], 19),
      SECOND_LINE,
    );
    expect(e1!.vola_cont).toContain('艾托格列净');
    expect(e2!.jr_id).toBe(e1!.jr_id);
  });

  it('a readmission under a reused mdtrt_id is a stay of its own; its own days keep its id', () => {
    // The first admission, 2026-11-01: asked, under the stay's id.
    const [firstStay] = resultsOf(
      run(
        lib,
        {
          mdtrt_id: 'ZY-1',
          ...inpatient('2026-11-01 10:00:00'),
          diagnoses: ['C91.100'],
          lines: [{ code: ACALABRUTINIB, rx_id: 'A1', date: '2026-11-01 11:00:00' }],
        },
        undefined,
        '3101',
        new Date('2026-11-01T06:00:00Z'),
      ),
      SECOND_LINE,
    );
    // Discharged 2026-11-10, readmitted 2026-11-18 under the same 住院号, the first stay sent as history.
    const readmission = (day: number, rx: string) =>
      resultsOf(
        run(lib, {
          mdtrt_id: 'ZY-1',
          ...inpatient('2026-11-18 10:00:00'),
          diagnoses: ['C91.100'],
          lines: [{ code: ACALABRUTINIB, rx_id: rx, date: `2026-11-${day} 09:00:00` }],
          history: [
            {
              mdtrt_id: 'ZY-1',
              adm_date: '2026-11-01 10:00:00',
              dscg_date: '2026-11-10 10:00:00',
              lines: [{ code: ACALABRUTINIB, rx_id: 'A1', date: '2026-11-01 11:00:00', current: false }],
            },
          ],
        }),
        SECOND_LINE,
      );
    const [readmitted] = readmission(18, 'B1');
    const [nextDay] = readmission(19, 'B2');
    expect(flaggedRx(readmitted!)).toEqual(['B1']);
    expect(readmitted!.mdtrt_id).toBe(firstStay!.mdtrt_id);
    expect(readmitted!.jr_id).not.toBe(firstStay!.jr_id);
    expect(nextDay!.jr_id).toBe(readmitted!.jr_id);
  });
});
