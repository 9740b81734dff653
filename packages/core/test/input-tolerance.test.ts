import { analyze, formatFieldErrors, validateAnalysisInput } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const SEX_DRUG = 'GZ10000301004000';
const FREQ = 'GZ10000102014000';
const APALUTAMIDE = 'XL02BBA326A001010102180'; // 阿帕他胺片, male only
const INPATIENT_VISIT_FEE = '001102000050000'; // 住院诊查费, 1/日
const NOW = new Date('2026-11-20T06:00:00Z');

type Order = Record<string, unknown>;
function ordersOf(input: ReturnType<typeof analysisInput>): Order[] {
  return input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos as unknown as Order[];
}

describe('"" and null in optional numeric fields mean "not sent"', () => {
  it('a real HIS line with ownpay_amt "" and selfpay_amt null is accepted and evaluated', () => {
    const input = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, cnt: 2, pric: 120.5 }] });
    Object.assign(ordersOf(input)[0]!, { ownpay_amt: '', selfpay_amt: null, hilist_pric: '  ' });
    const encounter = input.data.patient_dtos[0]!.fsi_encounter_dtos[0]! as unknown as Order;
    encounter.medfee_sumamt = '';
    const [r] = resultsOf(run(lib, input), SEX_DRUG);
    expect(r!.vola_amt).toBe(241);
    expect(r!.vola_amt_stas).toBe('1');
  });

  it('sumamt null and pric "": the line is flagged but the amount cannot be computed (vola_amt_stas 0)', () => {
    const input = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, rx_id: 'L1' }] });
    Object.assign(ordersOf(input)[0]!, { sumamt: null, pric: '' });
    const [r] = resultsOf(run(lib, input), SEX_DRUG);
    expect(r!.vola_amt).toBe(0);
    expect(r!.vola_amt_stas).toBe('0');
  });

  it('sumamt absent but pric sent: the amount is cnt × pric and counts as computed', () => {
    const input = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, cnt: 3, pric: 10 }] });
    Object.assign(ordersOf(input)[0]!, { sumamt: '' });
    const [r] = resultsOf(run(lib, input), SEX_DRUG);
    expect(r!.vola_amt).toBe(30);
    expect(r!.vola_amt_stas).toBe('1');
  });

  it('a frequency excess with no pric has no amount (vola_amt_stas 0); with pric it is computed', () => {
    const input = analysisInput({ lines: [{ code: INPATIENT_VISIT_FEE, cnt: 2 }] });
    Object.assign(ordersOf(input)[0]!, { pric: null, sumamt: 24 });
    const [r] = resultsOf(run(lib, input), FREQ);
    expect(r!.vola_amt_stas).toBe('0');
    const priced = resultsOf(run(lib, { lines: [{ code: INPATIENT_VISIT_FEE, cnt: 2, pric: 12 }] }), FREQ);
    expect(priced[0]!.vola_amt_stas).toBe('1');
    expect(priced[0]!.vola_amt).toBe(12);
  });

  it('a number field that is neither blank nor a number is still an error naming it', () => {
    const input = analysisInput({ lines: [{ code: APALUTAMIDE }] });
    Object.assign(ordersOf(input)[0]!, { cnt: 'two' });
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(false);
    if (!v.ok)
      expect(v.errors.map((e) => e.path)).toEqual([
        'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].cnt',
      ]);
  });
});

// Review-fuzz F11: ajv's coerceTypes made `"sumamt": true` a 1-yuan line, and the fast walk copied it.
describe('booleans are not numbers', () => {
  it('true or false in an amount or a count is an error naming each field; numbers as text stay accepted', () => {
    const input = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, cnt: 2, pric: 25.5 }] });
    Object.assign(ordersOf(input)[0]!, { sumamt: true, cnt: false, hilist_pric: '25.50' });
    const encounter = input.data.patient_dtos[0]!.fsi_encounter_dtos[0]! as unknown as Order;
    encounter.medfee_sumamt = true;
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(false);
    if (!v.ok)
      expect(v.errors).toEqual([
        {
          path: 'input.data.patient_dtos[0].fsi_encounter_dtos[0].medfee_sumamt',
          message: '类型应为 number，不能是布尔值 true',
        },
        {
          path: 'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].cnt',
          message: '类型应为 number，不能是布尔值 false',
        },
        {
          path: 'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].sumamt',
          message: '类型应为 number，不能是布尔值 true',
        },
      ]);
    const text = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE, cnt: 2, pric: 25.5 }] });
    Object.assign(ordersOf(text)[0]!, { sumamt: '51.00', cnt: '2' });
    const [r] = resultsOf(run(lib, text), SEX_DRUG);
    expect(r!.vola_amt).toBe(51);
  });
});

describe('a bad request names every bad field in one answer', () => {
  it('schema errors, trig_scen and dates together', () => {
    const input = analysisInput({ trig_scen: '23', brdy: '1980-02-30', lines: [{ code: APALUTAMIDE }, { code: '' }] });
    const orders = ordersOf(input);
    delete orders[0]!.rx_id;
    orders[1]!.drord_begn_date = '2026/11/20';
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const base = 'input.data.patient_dtos[0]';
    const order = (i: number) => `${base}.fsi_encounter_dtos[0].fsi_order_dtos[${i}]`;
    expect(v.errors.map((e) => e.path)).toEqual([
      `${order(0)}.rx_id`,
      'input.data.trig_scen',
      `${base}.brdy`,
      `${order(1)}.drord_begn_date`,
    ]);
    expect(v.message).toContain('共 4 处');
  });

  it('a schema-valid request with a bad trig_scen and a bad date gets both from analyze', () => {
    const input = analysisInput({ trig_scen: '0', adm_date: 'yesterday', lines: [{ code: APALUTAMIDE }] });
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const out = analyze(lib, v.value, { infno: '3101', now: NOW });
    expect(out.ok).toBe(false);
    if (!out.ok)
      expect(out.errors.map((e) => e.path)).toEqual([
        'input.data.trig_scen',
        'input.data.patient_dtos[0].fsi_encounter_dtos[0].adm_date',
      ]);
  });

  // Found by fuzz-input.test.ts: String() of a JSON object with a "toString" key throws ("Cannot convert object to
  // primitive value"), and validation called it on a date field and on trig_scen, so the request got a stack trace.
  it('a date or trig_scen sent as a JSON object with a "toString" key is a named error, not a throw', () => {
    const base = 'input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0]';
    const odd = () => JSON.parse('{"toString":1}');
    const dated = analysisInput({ lines: [{ code: APALUTAMIDE }] });
    ordersOf(dated)[0]!.drord_begn_date = odd();
    const v = validateAnalysisInput(dated);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors).toEqual([{ path: `${base}.drord_begn_date`, message: '类型应为 string' }]);

    for (const scene of [odd(), [odd()], ['2', ['3']]]) {
      const input = analysisInput({ lines: [{ code: APALUTAMIDE }] });
      (input.data as { trig_scen: unknown }).trig_scen = scene;
      const checked = validateAnalysisInput(input);
      expect(checked.ok, JSON.stringify(scene)).toBe(false);
      if (!checked.ok) {
        expect(checked.errors.map((e) => e.path)).toContain('input.data.trig_scen');
        expect(checked.message).toMatch(/input\.data\.trig_scen: 触发场景应为 1–10 的代码/);
      }
    }
  });

  // Found by fuzz-input.test.ts: rule_ids took a list of anything, and normalisation printed each item with
  // String(), which throws for a JSON object with a "toString" key; a plain object became the rule filter
  // "[object Object]", which silently turned every rule off.
  it('rule_ids holding an object or a list is an error naming rule_ids; numbers are read as ids', () => {
    for (const items of ['[{"toString":null}]', '[{}]', '["GZ10000301004000", ["GZ10000301004000"]]']) {
      const input = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE }] });
      (input.data as { rule_ids: unknown }).rule_ids = JSON.parse(items);
      const v = validateAnalysisInput(input);
      expect(v.ok, items).toBe(false);
      if (!v.ok)
        expect(v.errors, items).toEqual([{ path: 'input.data.rule_ids', message: '类型不符合允许的任一形式' }]);
    }
    const input = analysisInput({ gend: '2', lines: [{ code: APALUTAMIDE }] });
    (input.data as { rule_ids: unknown }).rule_ids = [10000301004000, null, 'GZ10000301004000'];
    expect(validateAnalysisInput(input).ok).toBe(true);
    expect(input.data.rule_ids).toEqual(['10000301004000', '', 'GZ10000301004000']);
    expect(resultsOf(run(lib, input), SEX_DRUG)).toHaveLength(1);
  });

  // Found by fuzz-input.test.ts: a bad date or trig_scen was quoted whole in its error, so a HIS that sent 40,000
  // characters there got them all back in err_msg (字符 200 in the contract).
  it('a huge bad value is quoted by its first 40 characters', () => {
    const date = '2026-03-15 09:30:00'.repeat(2_000);
    const input = analysisInput({ trig_scen: '7'.repeat(50_000), lines: [{ code: APALUTAMIDE, date }] });
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const out = analyze(lib, v.value, { infno: '3101', now: NOW });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.errors.map((e) => e.message)).toEqual([
      `触发场景 "${'7'.repeat(40)}"… 无效，应为 1–10（可用英文逗号分隔多个）`,
      `日期格式错误 "${date.slice(0, 40)}"…，应为 yyyy-MM-dd HH:mm:ss 或 yyyy-MM-dd`,
    ]);
    expect(out.message.length).toBeLessThan(400);
    // A short value is quoted whole, and 𠀀 (two UTF-16 units) is never cut in half.
    const wide = analysisInput({ lines: [{ code: APALUTAMIDE, date: `${'x'.repeat(39)}𠀀${'x'.repeat(10)}` }] });
    const checked = validateAnalysisInput(wide);
    const wideOut = checked.ok ? analyze(lib, checked.value, { infno: '3101', now: NOW }) : checked;
    expect(wideOut.ok).toBe(false);
    if (!wideOut.ok) expect(wideOut.errors[0]!.message).toContain(`"${'x'.repeat(39)}"…`);
    // Characters JSON quotes as six (\u0001, a lone surrogate) count as six: the quote stays within 40.
    const control = analysisInput({ lines: [{ code: APALUTAMIDE, date: '\u0001'.repeat(50) }] });
    const checkedControl = validateAnalysisInput(control);
    const controlOut = checkedControl.ok
      ? analyze(lib, checkedControl.value, { infno: '3101', now: NOW })
      : checkedControl;
    expect(controlOut.ok).toBe(false);
    if (!controlOut.ok) {
      expect(controlOut.errors[0]!.message).toContain(`"${'\\u0001'.repeat(6)}"…`);
      expect(controlOut.errors[0]!.message.length).toBeLessThanOrEqual(200);
    }
  });

  it('err_msg holds whole errors within 字符 200, counting the rest; errors holds them all', () => {
    const input = analysisInput({ lines: Array.from({ length: 25 }, () => ({ code: APALUTAMIDE })) });
    for (const o of ordersOf(input)) delete o.rx_id;
    const v = validateAnalysisInput(input);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors).toHaveLength(25);
    expect([...v.message].length).toBeLessThanOrEqual(200);
    expect(v.message).toMatch(/^入参校验失败（共 25 处）: /);
    const shown = v.message.split('; ').length - 1;
    expect(shown).toBeGreaterThanOrEqual(1);
    expect(v.message.endsWith(`; …另有 ${25 - shown} 处`)).toBe(true);
    // The errors shown are whole, the first ones, in order.
    for (let i = 0; i < shown; i++) expect(v.message).toContain(`${v.errors[i]!.path}: ${v.errors[i]!.message}`);
  });

  it('the first error is always shown, cut with … when it alone is longer than err_msg holds', () => {
    const long = Array.from({ length: 3 }, (_, i) => ({
      path: `input.data.${'x'.repeat(300)}${i}`,
      message: '缺少必填字段',
    }));
    const message = formatFieldErrors(long);
    expect([...message].length).toBe(200);
    expect(message).toMatch(/^入参校验失败（共 3 处）: input\.data\.x+…; …另有 2 处$/);
    const alone = formatFieldErrors(long.slice(0, 1));
    expect([...alone].length).toBe(200);
    expect(alone.endsWith('x…')).toBe(true);
  });
});
