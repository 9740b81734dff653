import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, flaggedRx, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const DATA_QUALITY = 'GZ10000201002000';
const RX_SIZE = 'GZ10000202004000';
const CLASS_DUP = 'GZ10000301006000';

// Real drug codes from the published points (ATC L02BB: 醋酸阿比特龙片 / 比卡鲁胺胶囊 / 阿帕他胺片).
const ABIRATERONE = 'XL02BBA292A001010206716';
const BICALUTAMIDE = 'XL02BBB085E001010102970';
const APALUTAMIDE = 'XL02BBA326A001010102180';
const SIX_DRUGS = [
  'ZA04CAE0023010100166',
  'ZD03AAA0043010100166',
  'ZC01AAA0042010105549',
  'ZA07AAA0061010100166',
  'XB01AXA223B002010100156',
  'XN05CDM084X001010102000',
];

describe('drug_class_duplicate', () => {
  it('two drugs of one ATC level-4 class with different generic names fire at sev 3; the same generic twice does not', () => {
    const [r] = resultsOf(
      run(lib, {
        gend: '1',
        lines: [
          { code: BICALUTAMIDE, rx_id: 'D1' },
          { code: APALUTAMIDE, rx_id: 'D2' },
        ],
      }),
      CLASS_DUP,
    );
    expect(flaggedRx(r!).sort()).toEqual(['D1', 'D2']);
    expect(r!.sev_deg).toBe('3');
    expect(r!.wf_impact).toBe('confirm');
    expect(r!.vola_amt).toBe(0);
    expect(
      resultsOf(
        run(lib, { gend: '1', lines: [{ code: APALUTAMIDE }, { code: 'XL02BBA326A001010178537' }] }),
        CLASS_DUP,
      ),
    ).toEqual([]);
  });

  it('an active long-term context order counts; a stopped one does not', () => {
    const active = run(lib, {
      gend: '1',
      lines: [
        { code: APALUTAMIDE },
        { code: ABIRATERONE, current: false, long: true, date: '2026-11-01 09:00:00', stop: '2026-12-01 09:00:00' },
      ],
    });
    expect(resultsOf(active, CLASS_DUP)).toHaveLength(1);
    const stopped = run(lib, {
      gend: '1',
      lines: [{ code: APALUTAMIDE }, { code: ABIRATERONE, current: false, date: '2026-11-01 09:00:00' }],
    });
    expect(resultsOf(stopped, CLASS_DUP)).toEqual([]);
  });
});

describe('max_items_per_rx', () => {
  it('an outpatient prescription with 6 drugs fires, 5 do not, inpatient orders are not counted', () => {
    const lines = (n: number) => SIX_DRUGS.slice(0, n).map((code) => ({ code, rxno: 'CF9' }));
    const [r] = resultsOf(run(lib, { lines: lines(6) }), RX_SIZE);
    expect(flaggedRx(r!)).toHaveLength(6);
    expect(r!.vola_cont).toContain('6 种');
    expect(resultsOf(run(lib, { lines: lines(5) }), RX_SIZE)).toEqual([]);
    expect(resultsOf(run(lib, { med_mdtrt_type: '2', med_type: '21', lines: lines(6) }), RX_SIZE)).toEqual([]);
  });
});

describe('data_quality', () => {
  const messages = (spec: Parameters<typeof run>[1]) => resultsOf(run(lib, spec), DATA_QUALITY).map((r) => r.vola_cont);

  it('a clean request raises nothing', () => {
    expect(messages({ lines: [{ code: APALUTAMIDE }] })).toEqual([]);
  });

  it('missing and malformed diagnosis codes', () => {
    expect(messages({ diagnoses: [], lines: [{ code: APALUTAMIDE }] }).join()).toContain('未传诊断');
    expect(messages({ diagnoses: ['感冒'], lines: [{ code: APALUTAMIDE }] }).join()).toContain('诊断编码格式错误');
  });

  it('a hilist_code that does not fit its hilist_type, a herb not in grams, missing doctor, a line entered twice', () => {
    const found = messages({
      lines: [
        { code: '003310010140000', type: '101', rx_id: 'BAD' },
        { code: 'T001700233', type: '102', unit: '袋' },
        { code: 'ZA04CAE0023010100166', rx_id: 'TWICE-1' },
        { code: 'ZA04CAE0023010100166', rx_id: 'TWICE-2' },
      ],
    }).join('\n');
    expect(found).toContain('目录类别不符');
    expect(found).toContain('单位应为克');
    expect(found).toContain('重复录入');
  });

  it('a line without hilist_code is reminded about, and the rest of the request is still evaluated', () => {
    const input = analysisInput({
      gend: '2',
      lines: [
        { code: 'XL02BBA326A001010102180', rx_id: 'MALE-ONLY' },
        { code: '', rx_id: 'EMPTY' },
        { code: 'XL02BBA326A001010102180', rx_id: 'ABSENT' },
      ],
    });
    delete (input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos[2] as { hilist_code?: string })
      .hilist_code;
    const out = run(lib, input);
    // Picked by its problem, not by place: results of one rule are in jr_id order, and the ids changed (patn_id).
    const quality = resultsOf(out, DATA_QUALITY).find((r) => r.vola_cont.includes('医保目录代码缺失'));
    expect(flaggedRx(quality!).sort()).toEqual(['ABSENT', 'EMPTY']);
    expect(quality!.vola_cont).toContain('医保目录代码缺失');
    expect(quality!.vola_cont).toContain('未传');
    expect(resultsOf(out, 'GZ10000301004000').map(flaggedRx)).toEqual([['MALE-ONLY']]);
  });

  it('a line without doctor falls back to the encounter doctor; with neither it is flagged', () => {
    expect(messages({ lines: [{ code: APALUTAMIDE, doctor: '' }] })).toEqual([]);
    const input = analysisInput({ lines: [{ code: APALUTAMIDE, doctor: '', rx_id: 'ND' }] });
    (input.data.patient_dtos[0]!.fsi_encounter_dtos[0] as { dr_codg?: string }).dr_codg = '';
    const [r] = resultsOf(run(lib, input), DATA_QUALITY);
    expect(r!.vola_cont).toContain('缺少开单医生');
    expect(flaggedRx(r!)).toEqual(['ND']);
  });
});
