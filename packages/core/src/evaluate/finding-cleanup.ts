import { doubleEntryWithout } from '../checks/data-quality';
import type { Hit } from '../checks/hit';
import type { Finding } from './finding';

/**
 * The clean-up of a request's findings: what one finding already says for another (a restated indication, a double
 * entry a frequency card covers, the same jr_id twice) is dropped, and the rest put in output order. Each works on the
 * whole list, not on a hit, so it is apart from building a finding.
 */

/** Whether `other` flags (违规项) every line `f` flags, in the same encounter. */
function flagsAllOf(other: Finding, f: Finding): boolean {
  if (other.encounterId !== f.encounterId || other.patientId !== f.patientId) return false;
  for (const l of f.lines) {
    if (l.itemType !== 1) continue;
    if (!other.lines.some((o) => o.itemType === 1 && o.rxId === l.rxId)) return false;
  }
  return true;
}

/**
 * A text-only indication reminder restates a fact another finding of the request already shows: the sex limit of
 * 艾地骨化醇软胶囊 and the second-line card of 艾普拉唑肠溶片 quote the very text the indication reminder asks to
 * confirm, on the same line, so the doctor met one fact on two cards (audit A3). Such a reminder is dropped when
 * another finding flags all its lines with the identical basis (vola_evid, trimmed); the stronger card shows the text.
 * Nothing else is dropped, and a basis that differs at all keeps both.
 */
export function dropRestatedIndications(findings: Finding[]): void {
  let kept = 0;
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!;
    if (f.textOnlyIndication && restated(findings, f)) continue;
    findings[kept++] = f;
  }
  findings.length = kept;
}

function restated(findings: readonly Finding[], f: Finding): boolean {
  const basis = f.evidence.trim();
  if (basis === '') return false;
  for (const other of findings) {
    if (other !== f && !other.textOnlyIndication && other.evidence.trim() === basis && flagsAllOf(other, f)) {
      return true;
    }
  }
  return false;
}

/**
 * A line entered twice of an item with a frequency limit (住院诊查费 1/日 sent twice at 09:00) breaks the limit too:
 * the 限定频次 card flags the same line, with its amount and a reason to give, and the 数据质量 card said the same
 * thing again at a lower severity. A doubled line some frequency finding of the encounter flags is left out of the
 * double entry; what no frequency card covers (another line, an item without a frequency limit) is still said, and
 * the double entry goes when nothing is left. The patient's point findings are `findings` from `from` on.
 */
export function uncountedDoubleEntry(hit: Hit, findings: readonly Finding[], from: number): Hit | undefined {
  const encounterId = hit.encounter.id;
  return doubleEntryWithout(hit, (line) => {
    for (let i = from; i < findings.length; i++) {
      const other = findings[i]!;
      if (other.frequency !== true || other.encounterId !== encounterId) continue;
      if (other.lines.some((o) => o.itemType === 1 && o.rxId === line.rxId)) return true;
    }
    return false;
  });
}

/** Output order: severity, then rule, then jr_id. */
export function byOutputOrder(a: Finding, b: Finding): number {
  return (
    a.severity - b.severity ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.jrId < b.jrId ? -1 : a.jrId > b.jrId ? 1 : 0)
  );
}

/**
 * One result per jr_id (违规标识, the id a 3103 answers): a request that lists one encounter twice (in one patient,
 * or the patient twice) gives the same finding once per copy, under the same jr_id, since the id is made of the
 * rule, point, encounter and flagged rx_ids. Sorted, such findings are adjacent; the first is kept.
 */
export function dropRepeatedJrIds(findings: Finding[]): void {
  let kept = 1;
  for (let i = 1; i < findings.length; i++) {
    const f = findings[i]!;
    if (f.jrId !== findings[kept - 1]!.jrId) findings[kept++] = f;
  }
  findings.length = kept;
}
