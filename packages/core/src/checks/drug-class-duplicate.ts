import type { Line } from '../normalize/request';
import { atcClass, atcClassKey, isWesternDrugCode, sameGeneric } from './drug-codes';
import type { Hit, RuleCheck } from './hit';

/**
 * 重复开药 (同类药品): two or more active drugs of one ATC level-4 class with different generic names, at least one
 * of them current. Active = current lines plus context lines of the encounter whose order still runs today.
 */
export const checkDrugClassDuplicate: RuleCheck = (_rule, patient, ctx) => {
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent) continue;
    let byClass: Map<number, Line | Line[]> | undefined;
    let first: Line | undefined;
    for (const line of encounter.lines) {
      if ((!line.current && line.lastDay < ctx.now.day) || !isWesternDrugCode(line.code)) continue;
      // Most encounters hold one or no western drug: build the map only once a second one appears.
      if (first === undefined) {
        first = line;
        continue;
      }
      if (byClass === undefined) {
        byClass = new Map();
        byClass.set(atcClassKey(first.code), first);
      }
      const key = atcClassKey(line.code);
      const seen = byClass.get(key);
      if (seen === undefined) byClass.set(key, line);
      else if (Array.isArray(seen)) seen.push(line);
      else byClass.set(key, [seen, line]);
    }
    if (byClass === undefined) continue;
    for (const group of byClass.values()) {
      if (!Array.isArray(group)) continue;
      const a = group[0]!;
      const distinctGeneric = group.some((b) => !sameGeneric(a.code, b.code));
      if (!distinctGeneric || !group.some((l) => l.current)) continue;
      const cls = atcClass(a.code)!;
      const names = [...new Set(group.map((l) => `【${l.name}】`))].join('');
      const fact = `${names}同属 ${cls} 类`;
      hits ??= [];
      hits.push({
        encounter,
        flagged: group.filter((l) => l.current).map((line) => ({ line, amount: 0 })),
        involved: group.filter((l) => !l.current),
        message: `同类药品重复使用：${fact}，请确认是否需要联用。`,
        fact,
        amountComputed: true,
        discriminator: cls,
      });
    }
  }
  return hits;
};
