import type { Line } from '../normalize/request';
import { isOutpatient } from './encounter-limits';
import type { Hit, RuleCheck } from './hit';

function isCountedDrug(line: Line): boolean {
  // 西药、中成药 (101), 自制剂 (103), 民族药 (104); 饮片 are counted per 剂, not per 种.
  const t = line.listType;
  return t === '101' || t === '103' || t === '104';
}

/** 处方管理办法: an outpatient prescription (rxno) holds more drugs than the limit (default 5). */
export const checkMaxItemsPerRx: RuleCheck = (rule, patient) => {
  const max = typeof rule.params?.max === 'number' ? rule.params.max : 5;
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent || !isOutpatient(encounter) || encounter.lines.length <= max) continue;
    const counts = new Map<string, number>();
    for (const line of encounter.lines) {
      if (line.current && line.rxno !== '' && isCountedDrug(line))
        counts.set(line.rxno, (counts.get(line.rxno) ?? 0) + 1);
    }
    for (const [rxno, count] of counts) {
      if (count <= max) continue;
      const lines = encounter.lines.filter((l) => l.current && l.rxno === rxno && isCountedDrug(l));
      const kinds = new Set(lines.map((l) => l.code)).size;
      if (kinds <= max) continue;
      const fact = `处方 ${rxno} 开具 ${kinds} 种药品`;
      hits ??= [];
      hits.push({
        encounter,
        flagged: lines.map((line) => ({ line, amount: 0 })),
        involved: [],
        message: `门诊${fact}，超过每张处方 ${max} 种的限制。`,
        fact,
        amountComputed: true,
        discriminator: rxno,
      });
    }
  }
  return hits;
};
