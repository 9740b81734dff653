/**
 * Free-text CSV cells that are names of Object's own members. `rule_name` `constructor` found a function in the
 * local rule-id table, and `bundle build` stopped on "$.id: a function has no JSON form" naming no row (`__proto__`:
 * "library:26: id missing"); `item_type` was looked up the same way. Now such a row imports under a rule id of its
 * own or is refused at its row, and the library it makes can be written. Also the 0-month pay-days basis, which
 * `if (n)` dropped so the limit was read as plain days. Real national codes, through libraryFromFiles and writeBundle
 * as `bundle build` calls them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKeys, libraryFromFiles, readPrivateKey, writeBundle } from '@prealert/rules-cache';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-local-csv-object-names-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const privateKey = readPrivateKey(generateSigningKeys(path.join(tmp, 'keys')).privateKeyFile);

const HEADER = 'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code';
/** 门急诊留观诊查费 (batch 8, 限定频次 1/日). */
const SERVICE = 'service,门急诊留观诊查费,max_qty_per_period,1/日,,001102000040000';
/** 奥扎格雷氨丁三醇注射用浓溶液 (药品限支付疗程). */
const PAY_DAYS = '药品限支付疗程,GZ10000101010000,drug,奥扎格雷氨丁三醇注射用浓溶液,max_pay_days';

let files = 0;
function build(rows: string[]) {
  const file = path.join(tmp, `local-${++files}.csv`);
  fs.writeFileSync(file, `${[HEADER, ...rows].join('\r\n')}\r\n`);
  const meta = { version: `hosp-2026.12.${files}`, region: '440000', createdAt: '2026-12-01T08:00:00+08:00' };
  return { file, result: libraryFromFiles({ meta, sources: [file] }) };
}

describe("names of Object's members in free-text cells", () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'rule_name %s imports under a rule id of its own, and the bundle is written',
    (name) => {
      const { result } = build([`${name},,${SERVICE}`]);
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      const [kp] = result.value.knowledgePoints;
      expect(typeof kp!.ruleId).toBe('string');
      expect(kp!.ruleId).toMatch(/^PA-[0-9A-F]{12}$/);
      expect(result.value.rules.find((r) => r.id === kp!.ruleId)?.name).toBe(name);
      const outDir = path.join(tmp, `bundle-${files}`);
      expect(() => writeBundle({ library: result.value, privateKey, outDir })).not.toThrow();
    },
  );

  it.each(['constructor', '__proto__'])(
    'item_type %s is read as any unknown type: the code checked against every shape',
    (type) => {
      const row = (t: string) => `医疗服务项目限定频次,GZ10000102014000,${t},${SERVICE.slice('service,'.length)}`;
      const { result } = build([row(type)]);
      // Before, `constructor` found a function where a shape was looked for: 编码 … 与项目类别 constructor 不符：undefined.
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      expect(result.value.knowledgePoints).toHaveLength(1);
      const unknown = build([row('其他')]).result;
      expect(unknown.ok).toBe(true);
    },
  );
});

describe('a pay-days basis of 0 months', () => {
  it('is refused at the basis instead of read as plain days', () => {
    const { file, result } = build([`${PAY_DAYS},14天,支付不超过0个月,XB01AXA223B004010180963`]);
    if (result.ok) throw new Error(`imported as ${JSON.stringify(result.value.knowledgePoints[0]!.limit)}`);
    expect(result.issues).toEqual([expect.objectContaining({ file, row: 2, field: 'basis' })]);
  });

  it('a basis of 12 months still reads as a span', () => {
    const { result } = build([`${PAY_DAYS},365天,支付不超过12个月,XB01AXA223B004010180963`]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.value.knowledgePoints[0]!.limit).toMatchObject({ kind: 'max_pay_days', count: 'span', months: 12 });
  });
});
