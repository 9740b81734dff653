import { buildLibrary, readCsv, readFramework } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { localLibrary } from './support/local-library';
import { resultsOf, run } from './support/requests';

// A hospital's local additions in the CSV form, on real national codes.
const CSV = `rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
医疗服务项目限科室使用,GZ10000102008000,service,婴幼儿健康体检,dept_limit,A05|A06,限儿科、儿童保健科,001301000010000
药品限医师职称,,drug,艾迪注射液,doctor_title_limit,主治医师,限主治及以上,ZC01AAA0042010105549
药品限适应症,GZ10000101008000,drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,XA04ADA285B002010102180
药品限二线使用,GZ10000101005000,drug,阿可替尼胶囊,second_line,XL01ELP156A001010178403,二线,XL01ELA387E001010184513
医疗服务项目限年龄,,service,职业功能训练,age_range,"[18,55]",,003402000320000
`;

const lib = localLibrary(CSV);

describe('kinds supplied by local libraries', () => {
  it('dept_limit: an ordering department outside the list fires', () => {
    expect(resultsOf(run(lib, { lines: [{ code: '001301000010000', dept: 'A03' }] }), 'GZ10000102008000')).toHaveLength(
      1,
    );
    expect(resultsOf(run(lib, { lines: [{ code: '001301000010000', dept: 'A06' }] }), 'GZ10000102008000')).toEqual([]);
  });

  it('doctor_title_limit: both title code schemes; unknown titles do not fire', () => {
    const ruleId = lib.rules().find((r) => r.kind === 'doctor_title_limit')!.id;
    expect(resultsOf(run(lib, { lines: [{ code: 'ZC01AAA0042010105549', title: '234' }] }), ruleId)).toHaveLength(1);
    expect(resultsOf(run(lib, { lines: [{ code: 'ZC01AAA0042010105549', title: '233' }] }), ruleId)).toEqual([]);
    expect(resultsOf(run(lib, { lines: [{ code: 'ZC01AAA0042010105549', title: '2' }] }), ruleId)).toHaveLength(1);
    expect(resultsOf(run(lib, { lines: [{ code: 'ZC01AAA0042010105549', title: '5' }] }), ruleId)).toEqual([]);
    expect(resultsOf(run(lib, { lines: [{ code: 'ZC01AAA0042010105549', title: '' }] }), ruleId)).toEqual([]);
  });

  it('indication with ICD-10 prefixes: sev 2 / reason without a matching diagnosis, silent with one', () => {
    const [r] = resultsOf(
      run(lib, { diagnoses: ['J06.900'], lines: [{ code: 'XA04ADA285B002010102180', pric: 300 }] }),
      'GZ10000101008000',
    );
    expect(r!.sev_deg).toBe('2');
    expect(r!.wf_impact).toBe('reason');
    expect(r!.vola_amt).toBe(300);
    expect(
      resultsOf(run(lib, { diagnoses: ['Z51.100'], lines: [{ code: 'XA04ADA285B002010102180' }] }), 'GZ10000101008000'),
    ).toEqual([]);
  });

  it('second_line with first-line codes: needs one of them in the history', () => {
    expect(
      resultsOf(run(lib, { lines: [{ code: 'XL01ELA387E001010184513', rx_id: 'X' }] }), 'GZ10000101005000'),
    ).toHaveLength(1);
    const out = run(lib, {
      lines: [
        { code: 'XL01ELA387E001010184513' },
        { code: 'XL01ELP156A001010178403', current: false, date: '2026-10-01 09:00:00' },
      ],
    });
    expect(resultsOf(out, 'GZ10000101005000')).toEqual([]);
  });

  it('explicit age ranges', () => {
    const ruleId = lib.rules().find((r) => r.kind === 'age_range')!.id;
    const at = '2026-11-20 10:00:00';
    expect(
      resultsOf(run(lib, { brdy: '2008-11-21', lines: [{ code: '003402000320000', date: at }] }), ruleId),
    ).toHaveLength(1);
    expect(resultsOf(run(lib, { brdy: '2008-11-20', lines: [{ code: '003402000320000', date: at }] }), ruleId)).toEqual(
      [],
    );
  });
});

describe('CSV import errors', () => {
  it('reports every bad row by number and builds nothing', () => {
    const bad = `rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
药品区分性别使用,GZ10000301004000,drug,阿帕他胺片,sex,男,,XL02BBA326A001010102180
药品区分性别使用,GZ10000301004000,drug,,sex,男,,XL02BBA326A001010178537
药品区分性别使用,GZ10000301004000,drug,艾附暖宫丸,sex,不限,,ZD03AAA0043010100166
`;
    const source = readCsv(bad, 'bad.csv');
    expect(source.ok).toBe(false);
    // One pass: the missing field and the unreadable limit are in the same report.
    if (!source.ok)
      expect(source.issues.map((i) => [i.row, i.field, i.message.slice(0, 6)])).toEqual([
        [3, 'item_name', '缺少必填字段'],
        [4, 'limit_value', 'limit_'],
      ]);
    const fixed = readCsv(bad.replace(',drug,,sex', ',drug,阿帕他胺片,sex').replace('sex,不限', 'sex,女'), 'bad.csv');
    expect(fixed.ok).toBe(true);
    if (!fixed.ok) return;
    const built = buildLibrary({
      meta: { version: 'x', region: 'x', createdAt: '2026-11-20' },
      sources: [fixed.value],
      framework: readFramework(),
    });
    expect(built.ok).toBe(true);
  });

  it('row numbers are file lines, past blank lines and quoted fields that hold line breaks', () => {
    const text = [
      'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code,effective_from',
      '药品区分性别使用,GZ10000301004000,drug,阿帕他胺片,sex,男,"限转移性',
      '前列腺癌患者",XL02BBA326A001010102180,',
      '',
      '',
      '药品区分性别使用,GZ10000301004000,drug,艾附暖宫丸,sex,女,,ZD03AAA0043010100166,2026-13-01',
      '药品区分性别使用,GZ10000301004000,drug,,sex,女,,ZD01AAF0204010102959,',
      '',
      '医疗服务项目重复收费,GZ10000102012000,service,急诊监护费×急诊诊查费,time_window,单日,,001103000010000,',
    ].join('\r\n');
    const source = readCsv(text, 'local.csv');
    expect(source.ok).toBe(false);
    if (!source.ok)
      expect(source.issues.map((i) => [i.row, i.field])).toEqual([
        [6, 'effective_from'],
        [7, 'item_name'],
        [9, 'code'],
      ]);
  });
});
