import type { Line } from '../normalize/request';
import { atcClass, duplicateClassKey, isWesternDrugCode, sameGeneric } from './drug-codes';
import type { Hit, RuleCheck } from './hit';
import { KeyGroups } from './key-groups';

/**
 * 重复开药 (同类药品): two or more active drugs of one ATC level-4 class with different generic names, at least one
 * of them current. Active = current lines plus context lines of the encounter whose order still runs today. Classes
 * whose members are combined by design (B01AC but its prostacyclin agonists, B05BB, B05XA) and the N07XX catch-all
 * are not compared (duplicateClassKey; a refinement of rules.md, see packages/core/README.md).
 */
const classes = new KeyGroups();

/** The lines of one class in encounter order, from the latest one added. */
function classLines(lines: readonly Line[], latest: number): Line[] {
  const group: Line[] = [];
  for (let i = latest; i >= 0; i = classes.before(i)) group.push(lines[i]!);
  return group.reverse();
}

export const checkDrugClassDuplicate: RuleCheck = (_rule, patient, ctx) => {
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent) continue;
    const lines = encounter.lines;
    // Keys of the classes that have a second active drug, in the order they got it.
    let shared: number[] | undefined;
    classes.begin(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if ((!line.current && line.lastDay < ctx.now.day) || !isWesternDrugCode(line.code)) continue;
      const key = duplicateClassKey(line.code);
      if (key === undefined) continue;
      const previous = classes.add(key, i);
      if (previous >= 0 && classes.before(previous) < 0) {
        shared ??= [];
        shared.push(key);
      }
    }
    if (shared === undefined) continue;
    for (const key of shared) {
      const group = classLines(lines, classes.latest(key));
      const a = group[0]!;
      const distinctGeneric = group.some((b) => !sameGeneric(a.code, b.code));
      if (!distinctGeneric || !group.some((l) => l.current)) continue;
      const cls = atcClass(a.code)!;
      const names = [...new Set(group.map((l) => `【${l.name}】`))].join('');
      const fact = `${names}同属一个药理分类（ATC ${cls}）`;
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
