import type { Line } from '../normalize/request';
import { isOutpatient } from './encounter-limits';
import type { Hit, RuleCheck } from './hit';

/** 西药、中成药 lines (饮片 are counted per 剂, not per 种, and are left out). */
const DRUG_LIST_TYPES = new Set(['101', '103', '104']);

/** 处方管理办法: an outpatient prescription (rxno) holds more drugs than the limit (default 5). */
export const checkMaxItemsPerRx: RuleCheck = (rule, patient) => {
  const max = typeof rule.params?.max === 'number' ? rule.params.max : 5;
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent || !isOutpatient(encounter)) continue;
    const byRx = new Map<string, Line[]>();
    for (const line of encounter.lines) {
      if (!line.current || !line.rxno || !DRUG_LIST_TYPES.has(line.listType)) continue;
      const list = byRx.get(line.rxno);
      if (list) list.push(line);
      else byRx.set(line.rxno, [line]);
    }
    for (const [rxno, lines] of byRx) {
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
