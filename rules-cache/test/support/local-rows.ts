import fs from 'node:fs';
import path from 'node:path';
import { type ImportIssue, libraryFromFiles } from '@prealert/rules-cache';

/** Real national points (batches 1 and 2–8) as a local CSV row restates them: the columns up to limit_type. */
export const SEX = '药品区分性别使用,GZ10000301004000,drug,度他雄胺软胶囊,sex,男,,XG04CBD247E002010101503';
export const QTY_PER_DAY = '医疗服务项目限定频次,GZ10000102014000,service,门急诊留观诊查费,max_qty_per_period';
export const QTY_PER_N_DAYS = '医疗服务项目周期超频次,,service,血清果糖胺测定,max_qty_per_n_days';
export const PAY_DAYS = '药品限支付疗程,GZ10000101010000,drug,奥扎格雷氨丁三醇注射用浓溶液,max_pay_days';
export const PAY_DAYS_TEXT = '医疗服务项目限支付疗程,GZ10000102010000,service,手功能评定,max_pay_days_text';
export const AGE_RANGE = '医疗服务项目限年龄,,service,职业功能训练,age_range';
export const CHILD = '药品儿童专用,GZ10000301002000,drug,儿童清肺口服液,age_group';
export const PAIR = '医疗服务项目重复收费,GZ10000102012000,service_pair,急诊监护费×急诊诊查费,time_window';
/** The national codes of the points above. */
export const CODES = {
  qtyPerDay: '001102000040000',
  qtyPerNDays: '002503020020000',
  payDays: 'XB01AXA223B004010180963',
  payDaysText: '003402000050000',
  ageRange: '003402000320000',
  child: 'ZA04CAE0023010100166',
  pair: ['001103000010000', '001102000030000'],
};

/**
 * Builds libraries from CSV files of the given header written under dir, as `bundle build` reads them
 * (libraryFromFiles), each file a version of its own.
 */
export function localCsvBuilder(dir: string, header: string) {
  let files = 0;
  function build(rows: string[]) {
    const file = path.join(dir, `local-${++files}.csv`);
    fs.writeFileSync(file, `${[header, ...rows].join('\r\n')}\r\n`);
    const meta = { version: `hosp-2026.11.${files}`, region: '440000', createdAt: '2026-11-20T08:00:00+08:00' };
    return { file, result: libraryFromFiles({ meta, sources: [file] }) };
  }
  function refusal(rows: string[]): { file: string; issues: ImportIssue[] } {
    const { file, result } = build(rows);
    if (result.ok)
      throw new Error(`imported ${result.value.knowledgePoints.length} points, though it should be refused`);
    return { file, issues: result.issues };
  }
  return { build, refusal };
}
