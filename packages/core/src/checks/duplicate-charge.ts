import type { PointEntry } from '../library/compile';
import { isCourse } from '../normalize/courses';
import type { Line } from '../normalize/normalized-types';
import type { Hit, PointCheck } from './hit';

type Window = Extract<PointEntry['kp']['limit'], { kind: 'time_window' }>;

/**
 * The last day a line is charged on, for 单日: a long-term order's every day it runs (Line.lastDay), a course's
 * (isCourse) its begin day only, as before courses were read. A course's line does not say on which of its days the
 * sessions fell (12 haemodialyses over 11-01..11-28), and its sumamt is the whole course's: meeting a 血液灌流 of
 * 11-15 on any day of it flagged the month's ¥4,800 of 血液透析 as 重复收费 at sev 1.
 */
function chargedUntil(line: Line): number {
  return isCourse(line) ? line.beginDay : line.lastDay;
}

function together(a: Line, b: Line, w: Window): boolean {
  switch (w.window) {
    case 'day':
      // A long-term order is charged on every day it runs (Line.lastDay), so a 重症监护 running since the 15th meets
      // the 口腔护理 of the 20th; one-off lines and courses count their begin day only (chargedUntil).
      return a.beginDay <= chargedUntil(b) && b.beginDay <= chargedUntil(a);
    case 'visit':
      return a.encounter === b.encounter;
    case 'same_hour':
      return Math.floor(a.beginMinutes / 60) === Math.floor(b.beginMinutes / 60);
    case 'hours':
      return Math.abs(a.beginMinutes - b.beginMinutes) < w.hours * 60;
  }
}

const WINDOW_TEXT = { day: '同一天', visit: '同一次就诊', same_hour: '同一小时', hours: '' } as const;

/**
 * 医疗服务项目重复收费 (A×B): A includes B (项目内涵), so B charged inside the window is the duplicate. As rules.md
 * says, B's current lines are flagged (违规项) and the A lines are 涉及项.
 *
 * Deliberate deviation from rules.md: when B was already charged (a context line) and only A is new, there is no
 * current B line to flag, and rules.md would stay silent although the doctor is adding the charge that duplicates B
 * now. The new A line is flagged (违规项) with B's amount, the charged B line is 涉及项, and the message says that A
 * is being added after B was charged, so the reminder is not mistaken for the usual "B is the duplicate" case.
 */
export const checkDuplicateCharge: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'time_window') return undefined;
  const [codeA, codeB] = entry.kp.codes;
  const aLines: Line[] = [];
  const bLines: Line[] = [];
  let anyCurrent = false;
  for (const line of lines) {
    if (line.code === codeA) aLines.push(line);
    else if (line.code === codeB) bLines.push(line);
    if (line.current) anyCurrent = true;
  }
  if (!anyCurrent || aLines.length === 0 || bLines.length === 0) return undefined;
  const names = entry.kp.itemName.split('×');
  const nameA = names[0] ?? aLines[0]!.name;
  const nameB = names[1] ?? bLines[0]!.name;
  const windowText = limit.window === 'hours' ? `${limit.hours} 小时内` : WINDOW_TEXT[limit.window];
  const fact = `【${nameA}】与【${nameB}】${windowText}同时收费`;
  const message = `${fact}，【${nameA}】已包含【${nameB}】的内涵，【${nameB}】属重复收费。`;
  const afterBMessage = `${fact}：【${nameB}】已收费，本次新增的【${nameA}】已包含【${nameB}】的内涵，与已收的【${nameB}】重复收费。`;
  // The usual case first: a current B inside the window of an A is the duplicate. The A lines it names are then
  // accounted for, and only a new A with no current B beside it is flagged against an already charged B.
  const duplicates: Hit[] = [];
  const afterB: Hit[] = [];
  // The two cases flag different lines (B, or the new A), so their results have different jr_ids.
  const hitFor = (hits: Hit[], line: Line, text: string) => {
    let hit = hits.find((h) => h.encounter === line.encounter);
    if (!hit) {
      hit = { encounter: line.encounter, flagged: [], involved: [], message: text, fact, amountComputed: true };
      hits.push(hit);
    }
    return hit;
  };
  const covered = new Set<Line>();
  for (const b of bLines) {
    if (!b.current) continue;
    const partners = aLines.filter((a) => together(a, b, limit));
    if (partners.length === 0) continue;
    const hit = hitFor(duplicates, b, message);
    hit.flagged.push({ line: b, amount: b.amount });
    if (!b.amountKnown) hit.amountComputed = false;
    for (const a of partners) {
      if (!hit.involved.includes(a)) hit.involved.push(a);
      covered.add(a);
    }
  }
  for (const b of bLines) {
    if (b.current) continue;
    for (const a of aLines) {
      if (!a.current || covered.has(a) || !together(a, b, limit)) continue;
      const hit = hitFor(afterB, a, afterBMessage);
      if (hit.flagged.some((f) => f.line === a)) continue;
      hit.flagged.push({ line: a, amount: b.amount });
      if (!b.amountKnown) hit.amountComputed = false;
      if (!hit.involved.includes(b)) hit.involved.push(b);
    }
  }
  const hits = duplicates.concat(afterB);
  return hits.length > 0 ? hits : undefined;
};
