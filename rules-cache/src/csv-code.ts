/**
 * National codes (hilist_code) as hospital IT types them into the local CSV in Excel: normalised to the form
 * requests carry, and checked against the shape of their item type, so a point whose code can never match a request
 * is refused at import instead of silently never firing.
 */

/** Whitespace of any kind, including the zero-width characters and BOM that copy-paste leaves in cells. */
const SPACES = /[\s\u200b-\u200d\u2060\ufeff]/g;

/** Full-width letters and digits (ＺＤ０３…) become ASCII (NFKC), every space goes, letters are upper case. */
export function normaliseCode(raw: string): string {
  return raw.normalize('NFKC').replace(SPACES, '').toUpperCase();
}

/** What Excel shows (and saves to CSV) for a long number in a narrow General column: 1.201E+12. */
const SCIENTIFIC = /^[0-9]+(\.[0-9]*)?E[+-]?[0-9]+$/;
const ALNUM = /^[0-9A-Z]+$/;
const DIGITS = /^[0-9]+$/;

type Shape = 'western' | 'patent' | 'drug' | 'herb' | 'service' | 'material';

/** item_type values of the CSV (the NHSA JSON's own, the 医保目录 list types, and their Chinese names). */
const SHAPE_OF_TYPE: Record<string, Shape> = {
  drug: 'drug',
  药品: 'drug',
  '101': 'drug',
  西药: 'western',
  中成药: 'patent',
  tcm: 'herb',
  herb: 'herb',
  中药饮片: 'herb',
  饮片: 'herb',
  '102': 'herb',
  service: 'service',
  service_pair: 'service',
  医疗服务: 'service',
  医疗服务项目: 'service',
  诊疗项目: 'service',
  '201': 'service',
  material: 'material',
  医用耗材: 'material',
  耗材: 'material',
  '301': 'material',
};

/** The shape rules of the evaluator's data-quality check (codeLooksRight), on every character. */
function fits(shape: Shape, c: string): boolean {
  if (!ALNUM.test(c)) return false;
  switch (shape) {
    case 'western':
      return c[0] === 'X' && c.length === 23;
    case 'patent':
      return c[0] === 'Z' && c.length === 20;
    case 'drug':
      return fits('western', c) || fits('patent', c);
    case 'herb':
      return c[0] === 'T' && c.length >= 10;
    case 'service':
      return c.length >= 9 && c.length <= 15;
    case 'material':
      return c[0] === 'C' && c.length === 27;
  }
}

const EXPECTED: Record<Shape, string> = {
  western: '西药编码为 X 加 22 位',
  patent: '中成药编码为 Z 加 19 位',
  drug: '西药编码为 X 加 22 位、中成药编码为 Z 加 19 位',
  herb: '中药饮片编码为 T 加至少 9 位',
  service: '医疗服务项目编码为 9–15 位',
  material: '医用耗材编码为 C 加 26 位',
};

const AS_TEXT = '请在 Excel 中把该列设为「文本」格式，重新填写完整编码后保存';

/**
 * Why a normalised code cannot be the national code of a point of this item type, or undefined when it can. An item
 * type the table does not know (empty, 'local') takes a code of any of the shapes.
 */
export function codeProblem(code: string, itemType: string): string | undefined {
  const shown = JSON.stringify(code);
  if (SCIENTIFIC.test(code)) return `编码 ${shown} 是 Excel 科学计数法显示的数字，原编码已丢失。${AS_TEXT}`;
  // The national service codes are 15 digits starting 00 (001102000050000); Excel keeps them as numbers without it.
  if (DIGITS.test(code) && (code.length === 13 || code.length === 14))
    return `编码 ${shown} 只有 ${code.length} 位数字，疑似 Excel 去掉了开头的 0（国家医疗服务项目编码为 15 位，如 001102000050000）。${AS_TEXT}`;
  const type = itemType.trim().toLowerCase();
  // Own keys only: item_type is free text, and `constructor` found Object's own member (a function, not a shape).
  const shape = Object.hasOwn(SHAPE_OF_TYPE, type) ? SHAPE_OF_TYPE[type] : undefined;
  if (shape !== undefined) {
    if (fits(shape, code)) return undefined;
    return `编码 ${shown} 与项目类别 ${itemType} 不符：${EXPECTED[shape]}（大写字母或数字）`;
  }
  const any: Shape[] = ['drug', 'herb', 'service', 'material'];
  if (any.some((s) => fits(s, code))) return undefined;
  return `编码 ${shown} 不是国家医保编码的格式：${any.map((s) => EXPECTED[s]).join('，')}（大写字母或数字）`;
}
