import type { Line } from '../normalize/request';
import { isOutpatient } from './encounter-limits';
import type { Hit, RuleCheck } from './hit';
import { KeyGroups, textKey } from './key-groups';

function isCountedDrug(line: Line): boolean {
  // 西药、中成药 (101), 自制剂 (103), 民族药 (104); 饮片 are counted per 剂, not per 种.
  const t = line.listType;
  return t === '101' || t === '103' || t === '104';
}

const prescriptions = new KeyGroups();
/** Per line: how many counted lines of its prescription up to and including it. */
let running = new Int32Array(64);

/** The prescriptions (rxno) with more than `max` counted current lines, in the order they passed it. */
function prescriptionsOver(lines: readonly Line[], max: number): string[] | undefined {
  if (running.length < lines.length) running = new Int32Array(lines.length * 2);
  prescriptions.begin(lines.length);
  let over: string[] | undefined;
  // The lines of one prescription usually come together: its number is hashed once per run of lines, not per line.
  let lastRxno = '';
  let lastKey = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.current || line.rxno === '' || !isCountedDrug(line)) continue;
    if (line.rxno !== lastRxno) {
      lastRxno = line.rxno;
      lastKey = textKey(lastRxno);
    }
    let previous = prescriptions.add(lastKey, i);
    // Two prescription numbers with one hash: skip the other number's lines in the chain.
    while (previous >= 0 && lines[previous]!.rxno !== line.rxno) previous = prescriptions.before(previous);
    const count = previous >= 0 ? running[previous]! + 1 : 1;
    running[i] = count;
    if (count === max + 1) {
      over ??= [];
      over.push(line.rxno);
    }
  }
  return over;
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
