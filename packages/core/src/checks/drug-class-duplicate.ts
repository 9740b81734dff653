import { formatDay } from '../normalize/dates';
import type { Encounter, Line, Patient } from '../normalize/normalized-types';
import { atcClass, duplicateClassKey, isWesternDrugCode, sameGeneric } from './drug-codes';
import type { Hit, RuleCheck } from './hit';
import { KeyGroups } from './key-groups';

/**
 * 重复开药 (同类药品): two or more active drugs of one ATC level-4 class with different generic names, at least one
 * of them current. Active = current lines plus context lines whose order still runs today, of the encounter and of
 * the patient's other encounters (a 28-day supply from another department's visit two weeks ago: each outpatient
 * visit is its own mdtrt_id, and the HIS sends the running history so that 重复用药 can be judged, 3101-3103.md §2.6),
 * and of those only the ones that ran at the same time as another (overlap: an order stopped before the other began
 * is a switch of drugs). Classes whose members are combined by design (B01AC but its prostacyclin agonists, B05BB, B05XA)
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
 * The lines compared for an encounter with current lines: its own, then the drug lines of the patient's other
 * encounters still running today (Line.lastDay: a stop date, a course's end, or an open order ended as
 * open-order-runs.ts endOpenOrders reads it). The encounter's own lines, shared, when there are none.
 */
function activeLines(encounter: Encounter, patient: Patient, today: number): readonly Line[] {
  let lines: Line[] | undefined;
  for (const other of patient.encounters) {
    if (other === encounter) continue;
    for (const line of other.lines) {
      if (line.lastDay < today || !isWesternDrugCode(line.code)) continue;
      lines ??= encounter.lines.slice();
      lines.push(line);
    }
  }
  return lines ?? encounter.lines;
}

/**
 * Two orders ran together unless one was stopped by the time the other began. A ward doctor switching drugs stops
 * the old order and starts the new one: a stop at 09:00 and a begin at 09:00 is a switch, not two drugs at once.
 * A stop sent as a date alone counts to the end of that day (Line.stopAt) and a begin sent as a date alone from its
 * start, so lines without times overlap on their day, as they did before times were compared.
 */
function overlap(a: Line, b: Line): boolean {
  if (a.encounter !== b.encounter && (a.lastDay < b.beginDay || b.lastDay < a.beginDay)) return false;
  return !(a.stopDated && a.stopAt <= b.beginMinutes) && !(b.stopDated && b.stopAt <= a.beginMinutes);
}

/**
 * 「；【X】为另一次就诊（2026-11-10，心内科）所开，用至 2026-12-07」 for each drug of the group that only another
 * encounter has: the doctor sees only his own visit's prescription, and a duplicate he cannot find there reads as a
 * mistake. A drug his visit has too (a refill beside the running supply) is in front of him already.
 */
function otherVisits(group: readonly Line[], encounter: Encounter): string {
  let text = '';
  const named: string[] = [];
  for (const line of group) {
    if (line.encounter === encounter || named.includes(line.name)) continue;
    if (group.some((l) => l.encounter === encounter && sameGeneric(l.code, line.code))) continue;
    named.push(line.name);
    const dept = line.deptName === '' ? '' : `，${line.deptName}`;
    const until = line.stopDated ? `，用至 ${formatDay(line.lastDay)}` : '';
    text += `；【${line.name}】为另一次就诊（${formatDay(line.beginDay)}${dept}）所开${until}`;
  }
  return text;
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
    const lines = patient.encounters.length === 1 ? encounter.lines : activeLines(encounter, patient, ctx.now.day);
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
      const fact = `${names}同属一个药理分类（ATC ${cls}）${otherVisits(group, encounter)}`;
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
