import path from 'node:path';
import type { CheckKind, KnowledgePoint } from '@prealert/core';
import { type DayRange, effectiveDays, outsideCopy, uncoveredDays } from './effective-days';
import { limitKey } from './limit-key';
import { type LocalRows, SINGLE_VALUED } from './local-contradictions';
import type { ImportIssue } from './published-record';

/**
 * Kinds whose limit each line meets or breaks alone, whatever other codes the point holds: a code of such a point can
 * be repeated by another point's. Every other kind reads the point's code list as one: a pair A then B, an incision
 * group, and the quantity and pay-days limits, which add the days and quantities of all its codes (two packs of one
 * drug against 14 days). Taking one code out of those would change the limit, not drop a repeat: 8 days of A and 8
 * of B passed both points and warned neither. They repeat only as a whole.
 */
const PER_CODE_KINDS = new Set<CheckKind>([
  ...SINGLE_VALUED,
  'dept_limit',
  'indication',
  'tcm_not_paid',
  'internet_visit',
]);

/** Codes in one order, for kinds whose list is a set; a pair's order (A then B) is its meaning and stays. */
const ORDERED_KINDS = new Set<CheckKind>(['time_window']);

/** The codes a point checks as one: each code, or the whole list for a pair or an incision group. */
function unitsOf(kp: KnowledgePoint): string[][] {
  if (PER_CODE_KINDS.has(kp.limit.kind)) return kp.codes.map((c) => [c]);
  return [ORDERED_KINDS.has(kp.limit.kind) ? kp.codes : [...kp.codes].sort()];
}

function unitKey(kp: KnowledgePoint, unit: readonly string[]): string {
  return [kp.ruleId, kp.severity ?? '', limitKey(kp.limit), unit.join(',')].join('\u0001');
}

/** A point holding a unit (a code, or a pair's whole list), on its days. */
interface Holder {
  kp: KnowledgePoint;
  days: DayRange;
}

/** A local point holding a unit: its file, the unit's CSV row, and the file's place in the build's order. */
interface LocalHolder extends Holder {
  file: string;
  row: number;
  order: number;
}

/**
 * The note at a local row that another point already says: NHSA's word first, then the earlier local row. A row that
 * repeats both names both: naming the published point alone hid that the hospital's own rows say it twice.
 */
function repeatMessage(
  unit: readonly string[],
  published: Holder | undefined,
  earlier: LocalHolder | undefined,
): string {
  const codes = unit.join('、');
  const placeOf = (other: LocalHolder) => `${path.win32.basename(other.file)}:${other.row}`;
  const saidThere = (other: LocalHolder) => `（该行【${other.kp.itemName}】${other.kp.limitText}）`;
  if (published) {
    const first = published.kp;
    const where = [first.source, first.batch !== undefined && `第 ${first.batch} 批`].filter(Boolean).join(' ');
    const nhsa = `与国家知识点重复：${where}【${first.itemName}】${first.limitText} 已对编码 ${codes} 提醒（${first.id}）`;
    if (earlier)
      return (
        `${nhsa}；也与 ${placeOf(earlier)} 重复${saidThere(earlier)}，` +
        '本行在二者有效期内不再另行提醒，以免同一医嘱提醒两次'
      );
    return `${nhsa}，本行在其有效期内不再另行提醒，以免同一医嘱提醒两次`;
  }
  const other = earlier!;
  return (
    `与 ${placeOf(other)} 重复：同一规则、同一限定、同一编码 ${codes}${saidThere(other)}，` +
    '本行在该行有效期内不再另行提醒，以免同一医嘱提醒两次'
  );
}

/**
 * A local row that repeats a published point — same rule, same limit, same code, on days the published point holds —
 * gave the doctor two warnings for one fact (two `jr_id`s, two `kp_id`s, the amount counted twice in the figures).
 * Refusing it would stop the hospital's next roll-out the day NHSA publishes a limit the hospital had added first, so
 * the published point, NHSA's word with its basis, keeps the code, and the local point gives it up on those days: it
 * goes when it has no code left, and on days of the row the published point does not hold, a copy limited to those
 * days keeps it. Each repeat is a note naming the row and the published point.
 *
 * Two local rows that say the same (one drug typed by two people as 度他雄胺软胶囊 and 度他雄胺软胶囊(安福达), or
 * in two files) are a repeat too: item name and basis are no part of what the doctor is warned of. The first in file
 * and row order keeps the code; the later gives it up the same way, its note naming the file and row it repeats (and
 * the published point as well, when it repeats one too).
 * Limits are compared whole, so kinds where one code rightly holds several limits (ceilings, indication mappings)
 * repeat only when the limit is the same, like the contradictions of single-valued kinds (local-contradictions.ts).
 */
export function withoutLocalRepeats(
  points: KnowledgePoint[],
  local: ReadonlyMap<KnowledgePoint, LocalRows>,
): ImportIssue[] {
  // A build of published sources alone (the bundled national library, at every start) has nothing to compare.
  if (local.size === 0) return [];
  const published = new Map<string, Holder[]>();
  for (const kp of points) {
    if (local.has(kp)) continue;
    for (const unit of unitsOf(kp)) {
      const key = unitKey(kp, unit);
      published.set(key, [...(published.get(key) ?? []), { kp, days: effectiveDays(kp) }]);
    }
  }
  // A unit's row: its code's, or a whole list's first (its codes sorted, the row the hospital typed first).
  const rowOf = (kp: KnowledgePoint, rows: LocalRows, unit: readonly string[]) =>
    Math.min(...unit.map((code) => rows.codeRows[kp.codes.indexOf(code)] ?? rows.codeRows[0] ?? 0));
  // Local holders of each unit in file, then row order: points come in source order, a file's points by first row.
  const fileOrder = new Map<string, number>();
  const localHolders = new Map<string, LocalHolder[]>();
  for (const kp of points) {
    const rows = local.get(kp);
    if (!rows) continue;
    if (!fileOrder.has(rows.file)) fileOrder.set(rows.file, fileOrder.size);
    for (const unit of unitsOf(kp)) {
      const key = unitKey(kp, unit);
      const row = rowOf(kp, rows, unit);
      const holder = { kp, days: effectiveDays(kp), file: rows.file, row, order: fileOrder.get(rows.file)! };
      localHolders.set(key, [...(localHolders.get(key) ?? []), holder]);
    }
  }
  for (const holders of localHolders.values()) holders.sort((a, b) => a.order - b.order || a.row - b.row);

  const notes: ImportIssue[] = [];
  for (let i = points.length - 1; i >= 0; i--) {
    const kp = points[i]!;
    const rows = local.get(kp);
    if (!rows) continue;
    const own = effectiveDays(kp);
    const kept: string[][] = [];
    const pointNotes: ImportIssue[] = [];
    const outside = new Map<string, { days: DayRange; codes: string[] }>();
    for (const unit of unitsOf(kp)) {
      const key = unitKey(kp, unit);
      const overlapping = (h: Holder) => h.days.from <= own.to && own.from <= h.days.to;
      const byNhsa = (published.get(key) ?? []).filter(overlapping);
      const holders = localHolders.get(key) ?? [];
      // The days an earlier holder gave up are held by one before it, so all earlier holders' days count.
      const mine = holders.findIndex((h) => h.kp === kp);
      const byEarlier = holders.slice(0, mine).filter(overlapping);
      const repeated = [...byNhsa, ...byEarlier];
      if (repeated.length === 0) {
        kept.push(unit);
        continue;
      }
      pointNotes.push({
        file: rows.file,
        row: rowOf(kp, rows, unit),
        field: 'code',
        message: repeatMessage(unit, byNhsa[0], byEarlier[0]),
      });
      for (const days of uncoveredDays(
        own,
        repeated.map((p) => p.days),
      )) {
        const key = `${days.from}\u0001${days.to}`;
        const copy = outside.get(key) ?? { days, codes: [] };
        outside.set(key, copy);
        copy.codes.push(...unit);
      }
    }
    notes.unshift(...pointNotes);
    if (kept.length === unitsOf(kp).length) continue;
    const copies = [...outside.values()].map(({ days, codes }) => outsideCopy(kp, days, codes));
    if (kept.length === 0) points.splice(i, 1, ...copies);
    else {
      kp.codes = kept.flat();
      points.splice(i + 1, 0, ...copies);
    }
  }
  return notes;
}
