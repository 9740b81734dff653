import type { Line } from '../normalize/request';
import { atcClass, duplicateClassKey, isWesternDrugCode, sameGeneric } from './drug-codes';
import type { Hit, RuleCheck } from './hit';
import { KeyGroups } from './key-groups';

/**
 * 重复开药 (同类药品): two or more active drugs of one ATC level-4 class with different generic names, at least one
 * of them current. Active = current lines plus context lines of the encounter whose order still runs today, and of
 * those only the ones that ran at the same time as another (overlap: an order stopped before the other began is a
 * switch of drugs). Classes whose members are combined by design (B01AC but its prostacyclin agonists, B05BB, B05XA)
 * and the N07XX catch-all are not compared (duplicateClassKey; a refinement of rules.md, see packages/core/README.md).
 */
const classes = new KeyGroups();

/** The lines of one class in encounter order, from the latest one added. */
function classLines(lines: readonly Line[], latest: number): Line[] {
  const group: Line[] = [];
  for (let i = latest; i >= 0; i = classes.before(i)) group.push(lines[i]!);
  return group.reverse();
}

/**
 * Two orders ran together unless one was stopped by the time the other began. A ward doctor switching drugs stops
 * the old order and starts the new one: a stop at 09:00 and a begin at 09:00 is a switch, not two drugs at once.
 * A stop sent as a date alone counts to the end of that day (Line.stopAt) and a begin sent as a date alone from its
 * start, so lines without times overlap on their day, as they did before times were compared.
 */
function overlap(a: Line, b: Line): boolean {
  return !(a.stopDated && a.stopAt <= b.beginMinutes) && !(b.stopDated && b.stopAt <= a.beginMinutes);
}

/**
 * The lines of a class that ran together with a drug of another generic name, one of the two current; undefined
 * when no current line did.
 */
function together(group: readonly Line[]): Line[] | undefined {
  const kept = group.filter((l) =>
    group.some((m) => (l.current || m.current) && !sameGeneric(l.code, m.code) && overlap(l, m)),
  );
  return kept.some((l) => l.current) ? kept : undefined;
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
      const group = together(classLines(lines, classes.latest(key)));
      if (group === undefined) continue;
      const a = group[0]!;
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
