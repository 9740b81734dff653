import { judgeResultId } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { localLibrary } from './support/local-library';
import { nationalLibrary } from './support/national';
import { flaggedRx, type LineSpec, resultsOf, run } from './support/requests';

/**
 * A text-only 药品限适应症 reminder (sev 3, confirm) asks whether the patient meets the restriction: its jr_id is
 * made of the point and the encounter, so an inpatient's daily order of the same drug, of any pack, keeps the id the
 * doctor answered on the first day (audit I3). A day-scoped result keeps its rx_id-based id.
 */
const lib = nationalLibrary();
const INDICATION = 'GZ10000101008000';
const IDEGASP = 'XA10ADD335B002010107103'; // 德谷门冬双胰岛素注射液, 限其他胰岛素或口服药难以控制的2型糖尿病患者。
// The same point's other code (another manufacturer's pack).
const IDEGASP_OTHER = 'XA10ADD335B002010182963';
const METFORMIN_EMPAGLIFLOZIN = 'XA10BDE083A001010104522'; // 二甲双胍恩格列净片(Ⅲ), 限2型糖尿病患者。

/** One ward day: yesterday's orders sent as context, today's as current. */
function wardDay(mdtrtId: string, yesterday: LineSpec[], today: LineSpec[]) {
  return run(lib, {
    mdtrt_id: mdtrtId,
    med_type: '21',
    med_mdtrt_type: '2',
    adm_date: '2026-11-18 10:00:00',
    diagnoses: ['E11.900'],
    lines: [
      // An oral antidiabetic before: the second-line card of 德谷门冬双胰岛素, whose basis is the very restriction,
      // does not fire, so the indication reminder is not dropped as restated (packages/core/README.md).
      { code: METFORMIN_EMPAGLIFLOZIN, rx_id: 'M0', date: '2026-11-18 11:00:00', current: false },
      ...yesterday.map((l) => ({ ...l, date: '2026-11-19 09:00:00', current: false })),
      ...today.map((l) => ({ ...l, date: '2026-11-20 09:00:00' })),
    ],
  });
}

describe('text-only indication reminders: one confirmation covers the stay', () => {
  it("a new day's line of the same drug keeps the first day's jr_id", () => {
    const [first] = resultsOf(wardDay('ZY-1', [], [{ code: IDEGASP, rx_id: 'D1' }]), INDICATION);
    const [second] = resultsOf(
      wardDay('ZY-1', [{ code: IDEGASP, rx_id: 'D1' }], [{ code: IDEGASP, rx_id: 'D2' }]),
      INDICATION,
    );
    expect(first!.sev_deg).toBe('3');
    expect(first!.wf_impact).toBe('confirm');
    expect(flaggedRx(first!)).toEqual(['D1']);
    expect(flaggedRx(second!)).toEqual(['D2']);
    expect(second!.jr_id).toBe(first!.jr_id);
    // The details still name today's line.
    expect(second!.judge_result_detail_dtos[0]!.jrd_id).toBe(`${first!.jr_id}-1`);
  });

  it('another pack of the same point is the same question; another encounter is another', () => {
    const [ward] = resultsOf(wardDay('ZY-1', [], [{ code: IDEGASP, rx_id: 'D1' }]), INDICATION);
    const [readmitted] = resultsOf(wardDay('ZY-2', [], [{ code: IDEGASP, rx_id: 'D1' }]), INDICATION);
    expect(readmitted!.jr_id).not.toBe(ward!.jr_id);
    // The restriction is the point's: whether the patient meets it does not depend on which maker's pack is ordered.
    const [other] = resultsOf(
      wardDay('ZY-1', [{ code: IDEGASP, rx_id: 'D1' }], [{ code: IDEGASP_OTHER, rx_id: 'D2' }]),
      INDICATION,
    );
    expect(other!.kp_id).toBe(ward!.kp_id);
    expect(other!.jr_id).toBe(ward!.jr_id);
    const [both] = resultsOf(
      wardDay(
        'ZY-1',
        [],
        [
          { code: IDEGASP, rx_id: 'D3' },
          { code: IDEGASP_OTHER, rx_id: 'D4' },
        ],
      ),
      INDICATION,
    );
    expect(both!.jr_id).toBe(ward!.jr_id);
  });

  it('every other result keeps the id of its rx_ids', () => {
    // A local mapping's 限科室 point asks about the line's own department, which differs per line: its id still
    // hashes the rx_ids, and a new day's line gets a new one. (A mapped indication with ICD prefixes asks about the
    // encounter's diagnoses and is a stay question: mapped-indication-stay.test.ts.)
    const csv = `rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
医疗服务项目限科室使用,GZ10000102008000,service,婴幼儿健康体检,dept_limit,A05|A06,限儿科、儿童保健科,001301000010000
`;
    const local = localLibrary(csv);
    const DEPT = 'GZ10000102008000';
    const day = (rx: string) =>
      resultsOf(
        run(local, { mdtrt_id: 'ZY-1', lines: [{ code: '001301000010000', rx_id: rx, dept: 'A03' }] }),
        DEPT,
      )[0]!;
    const [d1, d2] = [day('D1'), day('D2')];
    expect(d2.jr_id).not.toBe(d1.jr_id);
    expect(d1.jr_id).toBe(
      judgeResultId({
        libraryVersion: local.meta.version,
        ruleId: DEPT,
        pointKey: d1.kp_id,
        patientId: d1.patn_id,
        encounterId: 'ZY-1',
        rxIds: ['D1'],
      }),
    );
  });
});
