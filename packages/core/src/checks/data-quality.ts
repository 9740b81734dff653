import type { Encounter, Line } from '../normalize/request';
import type { Hit, RuleCheck } from './hit';

/** ICD-10 (医保版) and 中医病证 codes: a letter, then digits/letters, optional dotted extension ("I63.900x001"). */
const DIAGNOSIS_CODE = /^[A-Z][0-9A-Z]{2}[0-9A-Za-z.+-]{0,16}$/;

function alnumUpperAt(c: string, i: number): boolean {
  const ch = c.charCodeAt(i);
  return (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90);
}

/** First, second and last characters: a cheap shape check (a code with stray characters never matches a point). */
function alnumUpper(c: string, from: number): boolean {
  return alnumUpperAt(c, from) && alnumUpperAt(c, from + 1) && alnumUpperAt(c, c.length - 1);
}

/**
 * Shape of hilist_code by hilist_type: 西药 X + 22, 中成药 Z + 19, 饮片 T + ≥9, services 9–15, materials C + 26.
 * Character checks rather than regexes: this runs on every line of every request.
 */
function codeLooksRight(line: Line): boolean {
  const c = line.code;
  switch (line.listType) {
    case '101': {
      const first = c.charCodeAt(0);
      return ((first === 88 && c.length === 23) || (first === 90 && c.length === 20)) && alnumUpper(c, 1);
    }
    case '102':
      return c.charCodeAt(0) === 84 && c.length >= 10 && alnumUpper(c, 1);
    case '201':
      return c.length >= 9 && c.length <= 15 && alnumUpper(c, 0);
    case '301':
      return c.charCodeAt(0) === 67 && c.length === 27 && alnumUpper(c, 1);
    default:
      return c.length > 0;
  }
}

const GRAM_UNITS = new Set(['g', 'G', '克', 'gm', 'GM']);

interface Problem {
  key: string;
  fact: string;
  lines: Line[];
}

function push(problems: Problem[], key: string, line: Line): Problem {
  let p = problems.find((x) => x.key === key);
  if (!p) {
    p = { key, fact: '', lines: [] };
    problems.push(p);
  }
  if (!p.lines.includes(line)) p.lines.push(line);
  return p;
}

function problemsOf(encounter: Encounter): Problem[] {
  const problems: Problem[] = [];
  // Identical lines (same code, day, amount, quantity), grouped by code. The code strings were hashed already by the
  // library lookup of the same line, so keying by them costs no new hashing; equal codes are then few to compare.
  const byCode = new Map<string, Line | Line[]>();
  for (const line of encounter.lines) {
    const c = line.code;
    const seen = byCode.get(c);
    if (seen === undefined) byCode.set(c, line);
    else {
      const candidates = Array.isArray(seen) ? seen : [seen];
      let twin = false;
      for (const e of candidates) {
        if (e.beginDay === line.beginDay && e.amount === line.amount && e.qty === line.qty) {
          twin = true;
          break;
        }
      }
      if (twin) {
        if (line.current) push(problems, 'identical-line', line);
      } else if (Array.isArray(seen)) seen.push(line);
      else byCode.set(c, [seen, line]);
    }
    if (!line.current) continue;
    if (!codeLooksRight(line)) push(problems, 'hilist-code', line);
    if (line.listType === '102' && line.unit !== '' && !GRAM_UNITS.has(line.unit)) push(problems, 'herb-unit', line);
    if (line.doctorCode === '' || line.deptCode === '') push(problems, 'doctor-dept', line);
  }
  const badDiagnoses = encounter.diagnoses.filter((d) => !DIAGNOSIS_CODE.test(d));
  if (encounter.diagnoses.length === 0 || badDiagnoses.length > 0) {
    problems.unshift({
      key: encounter.diagnoses.length === 0 ? 'diagnosis-missing' : 'diagnosis-malformed',
      fact: encounter.diagnoses.length === 0 ? '本次就诊未传诊断编码' : `诊断编码格式错误：${badDiagnoses.join('、')}`,
      lines: encounter.lines.filter((l) => l.current),
    });
  }
  for (const p of problems) {
    const names = (f: (l: Line) => string) => [...new Set(p.lines.map(f))].join('、');
    if (p.key === 'hilist-code') p.fact = `医保目录代码与目录类别不符：${names((l) => `${l.name}(${l.code})`)}`;
    else if (p.key === 'herb-unit') p.fact = `中药饮片数量单位应为克：${names((l) => `${l.name}(${l.unit})`)}`;
    else if (p.key === 'doctor-dept') p.fact = '医嘱缺少开单医生或科室';
    else if (p.key === 'identical-line') p.fact = `同一项目同日同金额重复录入：${names((l) => l.name)}`;
  }
  return problems;
}

/** 结算明细信息异常 / 疾病诊断编码异常: problems that make the order unreliable for supervision. */
export const checkDataQuality: RuleCheck = (_rule, patient) => {
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent) continue;
    for (const p of problemsOf(encounter)) {
      if (p.lines.length === 0) continue;
      hits ??= [];
      hits.push({
        encounter,
        flagged: p.lines.map((line) => ({ line, amount: 0 })),
        involved: [],
        message: `数据质量：${p.fact}。`,
        fact: p.fact,
        amountComputed: true,
        discriminator: p.key,
      });
    }
  }
  return hits;
};
