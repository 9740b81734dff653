import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, type RequestSpec, resultsOf, run } from './support/requests';

/**
 * A jr_id names the encounter as mdtrt_id within its patient: 3101-3103.md §2.4 lets mdtrt_id be the HIS 就诊号, which
 * many HIS number per patient, so two patients' first visits are both "1". With the same id, patient B's warning was
 * answered with patient A's 继续执行 and was never recorded as B's own reminder.
 */
const lib = nationalLibrary();
/** 药品区分性别使用: a patient-fact point, asked once per stay (judgeResultIdOfStay). */
const SEX = 'GZ10000301004000';
const APALUTAMIDE = 'XL02BBA326A001010102180';

function ofPatient(patnId: string, spec: RequestSpec) {
  const input = analysisInput(spec);
  input.data.patient_dtos[0]!.patn_id = patnId;
  return resultsOf(run(lib, input));
}

const female = (rx: string): RequestSpec => ({ gend: '2', mdtrt_id: '1', lines: [{ code: APALUTAMIDE, rx_id: rx }] });
/** Two emergency charges the national library flags by their rx_ids (a per-line id), in visit "100". */
const emergency: RequestSpec = {
  mdtrt_id: '100',
  med_type: '13',
  lines: [
    { code: '001103000010000', name: '急诊监护费', type: '201', rx_id: '1', pric: 30 },
    { code: '001102000030000', name: '急诊诊查费', type: '201', rx_id: '2', pric: 20 },
  ],
};

describe('jr_id and the patient', () => {
  it('a stay question of two patients with the same mdtrt_id has two ids; the same patient keeps hers', () => {
    const [a] = resultsOf(run(lib, analysisInput(female('1'))), SEX);
    const [b] = ofPatient('PB-0002', female('1')).filter((r) => r.rule_id === SEX);
    const [again] = resultsOf(run(lib, analysisInput(female('7'))), SEX);
    expect(a!.patn_id).toBe('PSN-0001');
    expect(b!.mdtrt_id).toBe(a!.mdtrt_id);
    expect(b!.jr_id).not.toBe(a!.jr_id);
    // Re-analysed with another task and a new line of the drug: the same question of the same stay.
    expect(again!.jr_id).toBe(a!.jr_id);
    expect(a!.jr_id.length).toBeLessThanOrEqual(50);
  });

  it('a result of the rx_ids of two patients with the same mdtrt_id and rx_ids has two ids', () => {
    const a = ofPatient('PA-0001', emergency);
    const b = ofPatient('PB-0002', emergency);
    const again = ofPatient('PA-0001', emergency);
    const renumbered = ofPatient('PA-0001', {
      ...emergency,
      lines: emergency.lines.map((l) => ({ ...l, rx_id: `9${l.rx_id}` })),
    });
    const what = (rs: typeof a) =>
      rs.map((r) => `${r.rule_id} ${r.judge_result_detail_dtos.map((d) => `${d.rx_id}:${d.vola_item_type}`)}`).sort();
    // 医疗服务项目重复收费, flagging 急诊诊查费: an id of its rx_ids (other rx_ids, another id).
    expect(what(a)).toEqual(['GZ10000102012000 2:1,1:2']);
    expect(renumbered[0]!.jr_id).not.toBe(a[0]!.jr_id);
    expect(what(b)).toEqual(what(a));
    const ids = new Set(a.map((r) => r.jr_id));
    for (const r of b) expect(ids.has(r.jr_id), `${r.rule_name} ${r.jr_id}`).toBe(false);
    expect(again.map((r) => r.jr_id)).toEqual(a.map((r) => r.jr_id));
  });
});
