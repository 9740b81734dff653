import type { Encounter, Line } from '../normalize/normalized-types';
import type { Hit, PointCheck } from './hit';

/** 第二及以后的手术按规定折价: the share of the full price the later items may be charged at. */
export const SECOND_SURGERY_RATE = 0.5;

function fullUnitPrice(line: Line): number {
  return line.listPrice || line.price;
}

/**
 * The main item of one operation: the dearest, which the price rules charge in full (主要手术按全价); between equal
 * prices the earlier, then the first sent. Choosing by time alone flagged the main item whenever a HIS listed the
 * secondary first.
 */
function mainItem(lines: readonly Line[]): Line {
  let main = lines[0]!;
  for (const line of lines) {
    const d = fullUnitPrice(line) - fullUnitPrice(main);
    if (d > 0 || (d === 0 && (line.beginMinutes - main.beginMinutes || line.index - main.index) < 0)) main = line;
  }
  return main;
}

/**
 * 手术项目未按规定折价收费: the point's lines are compared with the other surgeries of the same incision group (the
 * evaluator passes all of them, see PatientMatches.surgeryGroups) in the same operation: one encounter and one
 * calendar day, as "经同一切口进行的两种及以上不同的手术" is one operation (a re-operation days later is charged in
 * full). The main item is charged in full; another charged above the discounted rate is flagged with the
 * undiscounted excess. A line whose code is in several groups (阑尾切除术: 胃肠 and 经腹直肠) is flagged by the first
 * of its points only (CheckContext.surgeryFlagged), so its excess is not counted twice.
 */
export const checkSurgeryDiscount: PointCheck = (entry, lines, ctx) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'same_incision_group') return undefined;
  const operations = new Map<Encounter, Map<number, Line[]>>();
  for (const line of lines) {
    let days = operations.get(line.encounter);
    if (!days) {
      days = new Map();
      operations.set(line.encounter, days);
    }
    const list = days.get(line.beginDay);
    if (list) list.push(line);
    else days.set(line.beginDay, [line]);
  }
  const own = new Set(entry.kp.codes);
  const flaggedBefore = ctx.surgeryFlagged;
  const hits: Hit[] = [];
  for (const [encounter, days] of operations) {
    let hit: Hit | undefined;
    for (const operation of days.values()) {
      if (new Set(operation.map((l) => l.code)).size < 2) continue;
      const main = mainItem(operation);
      for (const line of operation) {
        if (!line.current || !own.has(line.code) || line.code === main.code || flaggedBefore?.has(line)) continue;
        const fullPrice = fullUnitPrice(line) * (line.qty || 1);
        const excess = line.amount - fullPrice * SECOND_SURGERY_RATE;
        if (excess <= 0.005) continue;
        flaggedBefore?.add(line);
        if (!hit) {
          const fact = `与【${main.name}】经同一切口（${limit.group}）施行`;
          hit = {
            encounter,
            flagged: [],
            involved: [],
            message: `【${entry.kp.itemName || line.name}】${fact}，第二及以后的手术应按 ${SECOND_SURGERY_RATE * 100}% 折价收费，实收 ${line.amount.toFixed(2)} 元。`,
            fact,
            amountComputed: true,
          };
          hits.push(hit);
        }
        if (!hit.involved.includes(main)) hit.involved.push(main);
        hit.flagged.push({ line, amount: Math.round(excess * 100) / 100 });
        if (!(fullPrice > 0)) hit.amountComputed = false;
      }
    }
  }
  return hits.length > 0 ? hits : undefined;
};
