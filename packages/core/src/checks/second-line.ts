import { atcClass, genericSegment } from './drug-codes';
import type { PointCheck } from './hit';
import { flagCurrentLines, itemLabel } from './hit';

/**
 * 药品限二线使用. With first-line codes: fires when no context line (earlier order or encounter) shows one.
 * Published points have none: then it fires unless a context line has another drug of the same ATC level-4 class.
 */
export const checkSecondLine: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'second_line') return undefined;
  return flagCurrentLines(
    lines,
    (line) => {
      const history = line.encounter.patient.lines;
      if (limit.firstLineCodes.length > 0) {
        return history.some((h) => !h.current && limit.firstLineCodes.includes(h.code))
          ? undefined
          : '未见一线药品使用记录';
      }
      const cls = atcClass(line.code);
      if (cls === undefined) return '未见一线药品使用记录';
      const generic = genericSegment(line.code);
      const tried = history.some((h) => !h.current && atcClass(h.code) === cls && genericSegment(h.code) !== generic);
      return tried ? undefined : `未见同类（${cls}）其他药品的既往使用记录`;
    },
    (fact, line) => `${itemLabel(entry, line)}限二线使用（${entry.kp.basis}），${fact}。`,
  );
};
