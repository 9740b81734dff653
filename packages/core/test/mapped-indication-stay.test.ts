import { describe, expect, it } from 'vitest';
import { localLibrary } from './support/local-library';
import { flaggedRx, inpatient, type LineSpec, resultsOf, run } from './support/requests';

/**
 * 药品限适应症 with a local mapping's ICD-10 prefixes asks whether a diagnosis of the encounter starts with one of
 * them: a fact of the encounter's diagnoses, not of the day. An inpatient on the drug for a week was asked again every
 * day under a new jr_id (one per day's rx_ids); now the id is the point and the encounter, so the first day's 继续执行
 * stands for the stay. The diagnoses are not in the id: one that meets the prefixes silences the reminder, and any
 * other change (a diagnosis added on the ward, a 出院诊断 at settlement) would re-ask a doctor who already answered.
 * 阿瑞匹坦注射液 (batch 12, 限放化疗。) with two of its national packs, mapped to Z51.0/Z51.1 as a hospital would.
 */
const INDICATION = 'GZ10000101008000';
const APREPITANT = 'XA04ADA285B002010102180';
const APREPITANT_OTHER_PACK = 'XA04ADA285B002010102777';
const lib = localLibrary(`rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
药品限适应症,GZ10000101008000,drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,${APREPITANT}
药品限适应症,GZ10000101008000,drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,${APREPITANT_OTHER_PACK}
`);

/** Lung cancer and nausea, neither a Z51 放化疗 code: the mapped point fires. */
const DIAGNOSES = ['C34.900', 'R11.x00'];

/** The ward's 3101 on November `day` of a stay admitted 2026-11-18: earlier days as given, today's lines current. */
function wardDay(day: number, earlier: LineSpec[], today: LineSpec[], diagnoses = DIAGNOSES, mdtrtId = 'ZY-AP') {
  return resultsOf(
    run(lib, {
      mdtrt_id: mdtrtId,
      ...inpatient('2026-11-18 10:00:00'),
      diagnoses,
      lines: [...earlier, ...today.map((l) => ({ ...l, date: `2026-11-${day} 09:00:00` }))],
    }),
    INDICATION,
  );
}

const earlierLine = (code: string, rx_id: string, day: number, current = false): LineSpec => ({
  code,
  rx_id,
  date: `2026-11-${day} 09:00:00`,
  current,
});

function one<T>(results: T[]): T {
  expect(results).toHaveLength(1);
  return results[0]!;
}

describe('indication with ICD prefixes: one question per stay', () => {
  it("a new day's order of the drug, of either pack, keeps the first day's jr_id", () => {
    const first = one(wardDay(18, [], [{ code: APREPITANT, rx_id: 'D1' }]));
    expect(first.sev_deg).toBe('2');
    expect(first.wf_impact).toBe('reason');
    const second = one(wardDay(19, [earlierLine(APREPITANT, 'D1', 18)], [{ code: APREPITANT, rx_id: 'D2' }]));
    const otherPack = one(
      wardDay(
        20,
        [earlierLine(APREPITANT, 'D1', 18), earlierLine(APREPITANT, 'D2', 19)],
        [{ code: APREPITANT_OTHER_PACK, rx_id: 'D3' }],
      ),
    );
    // The details still name the day's line.
    expect(flaggedRx(second)).toEqual(['D2']);
    expect(flaggedRx(otherPack)).toEqual(['D3']);
    expect(second.jr_id).toBe(first.jr_id);
    expect(otherPack.jr_id).toBe(first.jr_id);
    // A station re-sending the whole stay as current: the card grows, the question does not.
    const whole = one(wardDay(19, [earlierLine(APREPITANT, 'D1', 18, true)], [{ code: APREPITANT, rx_id: 'D2' }]));
    expect(flaggedRx(whole)).toEqual(['D1', 'D2']);
    expect(whole.jr_id).toBe(first.jr_id);
  });

  it('the same diagnoses sent in another order or written without the dot are the same question', () => {
    const first = one(wardDay(18, [], [{ code: APREPITANT, rx_id: 'D1' }]));
    const reordered = one(wardDay(19, [], [{ code: APREPITANT, rx_id: 'D2' }], ['R11.x00', 'C34900', 'C34.900']));
    expect(reordered.jr_id).toBe(first.jr_id);
  });

  it('a diagnosis added that does not meet the prefixes, or one removed, is the same question; the card names them', () => {
    const first = one(wardDay(18, [], [{ code: APREPITANT, rx_id: 'D1' }]));
    const added = one(wardDay(19, [], [{ code: APREPITANT, rx_id: 'D2' }], [...DIAGNOSES, 'D70.x00']));
    const removed = one(wardDay(19, [], [{ code: APREPITANT, rx_id: 'D2' }], ['C34.900']));
    expect(added.jr_id).toBe(first.jr_id);
    expect(removed.jr_id).toBe(first.jr_id);
    expect(added.vola_cont).toContain('D70.x00');
  });

  it('a diagnosis added that meets the prefixes silences it; another encounter is another question', () => {
    expect(wardDay(19, [], [{ code: APREPITANT, rx_id: 'D2' }], [...DIAGNOSES, 'Z51.100'])).toEqual([]);
    const first = one(wardDay(18, [], [{ code: APREPITANT, rx_id: 'D1' }]));
    const elsewhere = one(wardDay(18, [], [{ code: APREPITANT, rx_id: 'D1' }], DIAGNOSES, 'ZY-AP-2'));
    expect(elsewhere.jr_id).not.toBe(first.jr_id);
  });
});
