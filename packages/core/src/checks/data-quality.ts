import type { Encounter, Line } from '../normalize/request';
import type { Hit, RuleCheck } from './hit';

/** ICD-10 (医保版) and 中医病证 codes: a letter, then digits/letters, optional dotted extension ("I63.900x001"). */
const DIAGNOSIS_CODE = /^[A-Z][0-9A-Z]{2}[0-9A-Za-z.+-]{0,16}$/;

/** Shape of hilist_code by hilist_type: drugs 20 (中成药 Z…) or 23 (西药 X…), herbs T…, services 15, materials 27. */
function codeLooksRight(line: Line): boolean {
  const c = line.code;
  switch (line.listType) {
    case '101':
      return /^(X[A-Z0-9]{22}|Z[A-Z0-9]{19})$/.test(c);
    case '102':
      return /^T[0-9A-Z]{9,}$/.test(c);
    case '201':
      return /^[0-9A-Z]{9,15}$/.test(c);
    case '301':
      return /^C[0-9A-Z]{26}$/.test(c);
    default:
      return c.trim().length > 0;
  }
}

const GRAM_UNITS = new Set(['g', 'G', '克', 'gm', 'GM']);

function problemsOf(encounter: Encounter): { key: string; fact: string; lines: Line[] }[] {
  const current = encounter.lines.filter((l) => l.current);
  const problems: { key: string; fact: string; lines: Line[] }[] = [];
  const badDiagnoses = encounter.diagnoses.filter((d) => !DIAGNOSIS_CODE.test(d));
  if (encounter.diagnoses.length === 0) {
    problems.push({ key: 'diagnosis-missing', fact: '本次就诊未传诊断编码', lines: current });
  } else if (badDiagnoses.length > 0) {
    problems.push({ key: 'diagnosis-malformed', fact: `诊断编码格式错误：${badDiagnoses.join('、')}`, lines: current });
  }
  const badCodes = current.filter((l) => !codeLooksRight(l));
  if (badCodes.length > 0) {
    problems.push({
      key: 'hilist-code',
      fact: `医保目录代码与目录类别不符：${badCodes.map((l) => `${l.name}(${l.code})`).join('、')}`,
      lines: badCodes,
    });
  }
  const badUnits = current.filter((l) => l.listType === '102' && l.unit !== '' && !GRAM_UNITS.has(l.unit));
  if (badUnits.length > 0) {
    problems.push({
      key: 'herb-unit',
      fact: `中药饮片数量单位应为克：${badUnits.map((l) => `${l.name}(${l.unit})`).join('、')}`,
      lines: badUnits,
    });
  }
  const noDoctor = current.filter((l) => !l.doctorCode || !l.deptCode);
  if (noDoctor.length > 0) {
    problems.push({ key: 'doctor-dept', fact: '医嘱缺少开单医生或科室', lines: noDoctor });
  }
  const seen = new Map<string, Line>();
  const twice: Line[] = [];
  for (const line of encounter.lines) {
    const key = `${line.code}|${line.beginDay}|${line.amount}|${line.qty}`;
    const first = seen.get(key);
    if (first && (line.current || first.current)) {
      if (line.current && !twice.includes(line)) twice.push(line);
    } else if (!first) seen.set(key, line);
  }
  if (twice.length > 0) {
    problems.push({
      key: 'identical-line',
      fact: `同一项目同日同金额重复录入：${[...new Set(twice.map((l) => l.name))].join('、')}`,
      lines: twice,
    });
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
