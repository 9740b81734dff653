import type { PointEntry } from '../library/compile';
import type { Line, Patient } from '../normalize/normalized-types';
import type { Hit, PointCheck } from './hit';
import { flagCurrentLines, itemLabel } from './hit';

/** 中药饮片单复方均不予支付: any current line of such a piece. */
export const checkTcmNotPaid: PointCheck = (entry, lines) => {
  if (entry.kp.limit.kind !== 'tcm_not_paid') return undefined;
  return flagCurrentLines(
    lines,
    () => '该饮片不得纳入基金支付范围',
    (_fact, line) => `中药饮片${itemLabel(entry, line)}单方、复方均不予支付。`,
  );
};

const HERB_LIST_TYPE = '102';

/**
 * 中药饮片单方使用不予支付: a 饮片 prescription (same rxno, hilist_type 102) made only of pieces on the list,
 * one piece alone included. Decided per prescription, so the evaluator hands over the listed lines it found
 * (`listed`, line → its point) and this looks at the whole prescription.
 */
export function checkTcmSinglePrescriptions(
  patient: Patient,
  listed: Map<Line, PointEntry>,
): { entry: PointEntry; hit: Hit }[] {
  const out: { entry: PointEntry; hit: Hit }[] = [];
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent) continue;
    const byRx = new Map<string, Line[]>();
    for (const line of encounter.lines) {
      if (!line.current || line.listType !== HERB_LIST_TYPE) continue;
      const key = line.rxno || '(无处方号)';
      const list = byRx.get(key);
      if (list) list.push(line);
      else byRx.set(key, [line]);
    }
    for (const [rxno, rxLines] of byRx) {
      if (!rxLines.every((l) => listed.has(l))) continue;
      // The result is the point's whose id comes first, not the first line's: a HIS that sends the same
      // prescription with its lines in another order must get the same jr_id (and kp_id), or a 3103 already given
      // for it no longer matches.
      let entry = listed.get(rxLines[0]!)!;
      for (const line of rxLines) {
        const candidate = listed.get(line)!;
        if (candidate.kp.id < entry.kp.id) entry = candidate;
      }
      const names = rxLines.map((l) => `【${listed.get(l)!.kp.itemName || l.name}】`).join('');
      const fact = rxLines.length === 1 ? '单味使用' : '全部由单方不予支付的饮片组成';
      out.push({
        entry,
        hit: {
          encounter,
          flagged: rxLines.map((line) => ({ line, amount: line.amount })),
          involved: [],
          message: `中药饮片处方 ${rxno} ${fact}：${names}，统筹基金不予支付。`,
          fact,
          amountComputed: rxLines.every((l) => l.amountKnown),
          discriminator: rxno,
        },
      });
    }
  }
  return out;
}
