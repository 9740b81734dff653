import type { Line } from '../normalize/normalized-types';
import { productKey } from './drug-codes';
import { isOutpatient } from './encounter-limits';
import type { Hit, RuleCheck } from './hit';

function isCountedDrug(line: Line): boolean {
  // 西药、中成药 (101), 自制剂 (103), 民族药 (104); 饮片 are counted per 剂, not per 种.
  const t = line.listType;
  return t === '101' || t === '103' || t === '104';
}

/**
 * The prescriptions (rxno) with more than `max` counted current lines, in the order they passed it. A HIS sends a
 * prescription's lines together, so the count of the current run of one rxno is kept aside and goes through the Map
 * only when the rxno changes: a few Map operations per request instead of one per line.
 */
function prescriptionsOver(lines: readonly Line[], max: number): string[] | undefined {
  const counts = new Map<string, number>();
  let over: string[] | undefined;
  let run = '';
  let runCount = 0;
  for (const line of lines) {
    if (!line.current || line.rxno === '' || !isCountedDrug(line)) continue;
    if (line.rxno !== run) {
      if (runCount > 0) counts.set(run, runCount);
      run = line.rxno;
      runCount = counts.get(run) ?? 0;
    }
    runCount++;
    if (runCount === max + 1) {
      over ??= [];
      over.push(run);
    }
  }
  return over;
}

const NAMED = 6;

/** A kind of drug: two pack sizes of one product on a prescription are one drug, not two (productKey). */
function kindOf(line: Line): string {
  return productKey(line.code, line.name);
}

/**
 * The drugs of the prescription in order, each once: all of them up to NAMED, else the first NAMED − 1 and 等. The
 * doctor decides which to cut from the names; the rxno alone said nothing about that (audit M4).
 */
function drugNames(lines: readonly Line[]): string {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    const kind = kindOf(line);
    if (seen.has(kind)) continue;
    seen.add(kind);
    names.push(`【${line.name || line.code}】`);
  }
  return names.length <= NAMED ? names.join('') : `${names.slice(0, NAMED - 1).join('')}等`;
}

/** 处方管理办法: an outpatient prescription (rxno) holds more drugs than the limit (default 5). */
export const checkMaxItemsPerRx: RuleCheck = (rule, patient) => {
  const max = typeof rule.params?.max === 'number' ? rule.params.max : 5;
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent || !isOutpatient(encounter) || encounter.lines.length <= max) continue;
    const over = prescriptionsOver(encounter.lines, max);
    if (over === undefined) continue;
    for (const rxno of over) {
      const lines = encounter.lines.filter((l) => l.current && l.rxno === rxno && isCountedDrug(l));
      const kinds = new Set(lines.map(kindOf)).size;
      if (kinds <= max) continue;
      const fact = `处方 ${rxno} 开具 ${kinds} 种药品（${drugNames(lines)}）`;
      hits ??= [];
      hits.push({
        encounter,
        flagged: lines.map((line) => ({ line, amount: 0 })),
        involved: [],
        message: `门诊${fact}，超过每张处方 ${max} 种的限制。`,
        fact,
        amountComputed: true,
        discriminator: rxno,
        // 「more than 5 drugs」 confirmed once holds for the prescription: an id of every flagged rx_id was new with
        // each drug added, and the doctor was asked again (audit A1).
        oneQuestion: true,
      });
    }
  }
  return hits;
};
