import type { Line } from '../normalize/request';
import type { Hit, PointCheck } from './hit';

/** 第二及以后的手术按规定折价: the share of the full price the later items may be charged at. */
export const SECOND_SURGERY_RATE = 0.5;

/**
 * 手术项目未按规定折价收费: the point's lines are compared with every other surgery of the same incision group in the
 * encounter (the evaluator passes all of them, see groupLines). The first item (by time, then order) is charged in
 * full; a later one charged above the discounted rate is flagged with the undiscounted excess.
 */
export const checkSurgeryDiscount: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'same_incision_group') return undefined;
  const hits: Hit[] = [];
  const byEncounter = new Map<Line['encounter'], Line[]>();
  for (const line of lines) {
    const list = byEncounter.get(line.encounter);
    if (list) list.push(line);
    else byEncounter.set(line.encounter, [line]);
  }
  const own = new Set(entry.kp.codes);
  for (const [encounter, groupLines] of byEncounter) {
    const distinctCodes = new Set(groupLines.map((l) => l.code));
    if (distinctCodes.size < 2) continue;
    groupLines.sort((a, b) => a.beginMinutes - b.beginMinutes || a.index - b.index);
    const first = groupLines[0]!;
    for (const line of groupLines) {
      if (line === first || !line.current || !own.has(line.code) || line.code === first.code) continue;
      const fullPrice = (line.listPrice || line.price) * (line.qty || 1);
      const allowed = fullPrice * SECOND_SURGERY_RATE;
      const excess = line.amount - allowed;
      if (excess <= 0.005) continue;
      const fact = `与【${first.name}】经同一切口（${limit.group}）施行`;
      let hit = hits.find((h) => h.encounter === encounter);
      if (!hit) {
        hit = {
          encounter,
          flagged: [],
          involved: [first],
          message: `【${entry.kp.itemName || line.name}】${fact}，第二及以后的手术应按 ${SECOND_SURGERY_RATE * 100}% 折价收费，实收 ${line.amount.toFixed(2)} 元。`,
          fact,
          amountComputed: fullPrice > 0,
        };
        hits.push(hit);
      }
      hit.flagged.push({ line, amount: Math.round(excess * 100) / 100 });
    }
  }
  return hits.length > 0 ? hits : undefined;
};
