import type { Line } from '../normalize/request';
import { atcClass, genericSegment } from './drug-codes';
import type { Hit, RuleCheck } from './hit';

/**
 * 重复开药 (同类药品): two or more active drugs of one ATC level-4 class with different generic names, at least one
 * of them current. Active = current lines plus context lines of the encounter whose order still runs today.
 */
export const checkDrugClassDuplicate: RuleCheck = (_rule, patient, ctx) => {
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent) continue;
    const classes = new Map<string, Line[]>();
    for (const line of encounter.lines) {
      if (!line.current && line.lastDay < ctx.now.day) continue;
      const cls = atcClass(line.code);
      if (cls === undefined) continue;
      const list = classes.get(cls);
      if (list) list.push(line);
      else classes.set(cls, [line]);
    }
    for (const [cls, lines] of classes) {
      if (!lines.some((l) => l.current)) continue;
      const generics = new Set(lines.map((l) => genericSegment(l.code)));
      if (generics.size < 2) continue;
      const names = [...new Set(lines.map((l) => `【${l.name}】`))].join('');
      const fact = `${names}同属 ${cls} 类`;
      hits ??= [];
      hits.push({
        encounter,
        flagged: lines.filter((l) => l.current).map((line) => ({ line, amount: 0 })),
        involved: lines.filter((l) => !l.current),
        message: `同类药品重复使用：${fact}，请确认是否需要联用。`,
        fact,
        amountComputed: true,
        discriminator: cls,
      });
    }
  }
  return hits;
};
