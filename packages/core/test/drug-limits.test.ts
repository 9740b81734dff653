import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const TCM_NEVER = 'GZ10000101003000';
const TCM_SINGLE = 'GZ10000101004000';
const INDICATION = 'GZ10000101008000';
const SECOND_LINE = 'GZ10000101005000';

const EJIAO = 'T001700233'; // 阿胶, 单复方均不予支付
const CLOVE = 'T000700200'; // 丁香, 单方不予支付
const GINSENG_SLICE = 'T001700643'; // 人参片, 单方不予支付
const APREPITANT_INJ = 'XA04ADA285B002010102180'; // 阿瑞匹坦注射液, 限放化疗
const ACALABRUTINIB = 'XL01ELA387E001010184513'; // 阿可替尼胶囊, 二线
const PIRTOBRUTINIB = 'XL01ELP156A001010178403'; // 匹妥布替尼片, same ATC class L01EL

describe('tcm_not_paid', () => {
  it('flags any current line of the piece', () => {
    const [r] = resultsOf(
      run(lib, { lines: [{ code: EJIAO, rx_id: 'T1', type: '102', cnt: 10, pric: 3 }] }),
      TCM_NEVER,
    );
    expect(flaggedRx(r!)).toEqual(['T1']);
    expect(r!.vola_amt).toBe(30);
    expect(r!.sev_deg).toBe('1');
  });
});

describe('tcm_single_not_paid', () => {
  it('a prescription made only of listed pieces is flagged whole; one alone too', () => {
    const both = run(lib, {
      lines: [
        { code: CLOVE, rx_id: 'C1', rxno: 'ZY1', type: '102' },
        { code: GINSENG_SLICE, rx_id: 'C2', rxno: 'ZY1', type: '102' },
      ],
    });
    const [r] = resultsOf(both, TCM_SINGLE);
    expect(flaggedRx(r!).sort()).toEqual(['C1', 'C2']);
    const alone = run(lib, { lines: [{ code: CLOVE, rxno: 'ZY2', type: '102' }] });
    expect(resultsOf(alone, TCM_SINGLE)).toHaveLength(1);
  });

  it('gives the prescription the same jr_id and kp_id whatever the order of its lines', () => {
    const clove = { code: CLOVE, rx_id: 'C1', rxno: 'ZY1', type: '102' };
    const ginseng = { code: GINSENG_SLICE, rx_id: 'C2', rxno: 'ZY1', type: '102' };
    const [a] = resultsOf(run(lib, { lines: [clove, ginseng] }), TCM_SINGLE);
    const [b] = resultsOf(run(lib, { lines: [ginseng, clove] }), TCM_SINGLE);
    expect(a!.kp_id).not.toBe('');
    expect(b!.jr_id).toBe(a!.jr_id);
    expect(b!.kp_id).toBe(a!.kp_id);
  });

  it('a listed piece inside a compound prescription with an unlisted piece passes', () => {
    const out = run(lib, {
      lines: [
        { code: CLOVE, rxno: 'ZY3', type: '102' },
        { code: EJIAO, rxno: 'ZY3', type: '102' },
      ],
    });
    // 阿胶 is not on the single-use list, so the prescription is a real compound.
    expect(resultsOf(out, TCM_SINGLE)).toEqual([]);
  });
});

describe('indication', () => {
  it('published text-only points remind at sev 3 with impact confirm and amount 0', () => {
    const [r] = resultsOf(run(lib, { lines: [{ code: APREPITANT_INJ, pric: 500 }] }), INDICATION);
    expect(r!.sev_deg).toBe('3');
    expect(r!.wf_impact).toBe('confirm');
    expect(r!.vola_amt).toBe(0);
    expect(r!.vola_cont).toContain('限放化疗');
  });
});

describe('second_line', () => {
  it('fires without an earlier drug of the same ATC class; an earlier one of the class clears it', () => {
    const [r] = resultsOf(run(lib, { lines: [{ code: ACALABRUTINIB, rx_id: 'S' }] }), SECOND_LINE);
    expect(flaggedRx(r!)).toEqual(['S']);
    const tried = run(lib, {
      lines: [{ code: ACALABRUTINIB }],
      history: [{ mdtrt_id: 'EARLIER', lines: [{ code: PIRTOBRUTINIB, date: '2026-09-01 10:00:00', current: false }] }],
    });
    expect(resultsOf(tried, SECOND_LINE)).toEqual([]);
  });
});
