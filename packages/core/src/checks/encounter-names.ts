/**
 * Names of the national dictionary codes a reminder quotes, as 3101-3103.md (§2.9 其它字典) lists them: a doctor does
 * not know that 310 is 职工基本医疗保险. Only the codes the spec names are here, plus 410 长期照护保险 and 510 生育保险
 * of the national 险种类型 dictionary the spec's list elides (「…」): the 限工伤/生育保险 reminders quote exactly those
 * (510 is the maternity insutype of the evaluator's config). Any other code is quoted as sent, since a name guessed for
 * a provincial code would be worse than the code.
 */
const INSUTYPE_NAME: Readonly<Record<string, string>> = {
  '310': '职工基本医疗保险',
  '320': '公务员医疗补助',
  '330': '大额医疗费用补助',
  '340': '离休人员医疗保障',
  '390': '城乡居民基本医疗保险',
  '410': '长期照护保险',
  '510': '生育保险',
};

const MED_TYPE_NAME: Readonly<Record<string, string>> = {
  '11': '普通门诊',
  '12': '门诊挂号',
  '13': '急诊',
  '14': '门诊慢特病',
  '21': '普通住院',
};

/** 「职工基本医疗保险（310）」 for a named code; an unnamed one stays the code, spaced as numbers are in every message. */
export function insutypeText(code: string): string {
  if (code === '') return ' 未填写';
  const name = INSUTYPE_NAME[code];
  return name === undefined ? ` ${code}` : `${name}（${code}）`;
}

/** 「普通门诊，医疗类别 11」 for a named code, 「医疗类别 …」 otherwise. */
export function medTypeText(code: string): string {
  if (code === '') return '医疗类别未填写';
  const name = MED_TYPE_NAME[code];
  return name === undefined ? `医疗类别 ${code}` : `${name}，医疗类别 ${code}`;
}
