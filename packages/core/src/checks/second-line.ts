import type { CompiledLibrary } from '../library/compile';
import { formatDay } from '../normalize/dates';
import type { Line } from '../normalize/normalized-types';
import { atcClass, isWesternDrugCode, sameAtcClass, sameGeneric, showsClass } from './drug-codes';
import type { PointCheck } from './hit';
import { flagCurrentLines, itemLabel, quoted } from './hit';

const NONE: readonly string[] = [];

/**
 * ATC groups wider than level 4 in which the fallback looks for the earlier drug. Drugs for obstructive airway
 * diseases (R03) are split at level 4 by mechanism (R03AC β2 agonists, R03BB anticholinergics, R03BA inhaled
 * corticosteroids, R03AK/AL combinations), not by line: COPD and asthma step up across these classes (a LAMA, then a
 * LABA is added), so another R03 drug before shows the first line of a bare 「限二线用药」 R03 drug (马来酸茚达特罗
 * 吸入粉雾剂, audit O6), where its own class alone passed a salbutamol history and failed tiotropium.
 */
const FALLBACK_GROUPS: readonly string[] = ['R03'];

function fallbackGroup(code: string): string | undefined {
  for (const group of FALLBACK_GROUPS) if (code.startsWith(group, 1)) return group;
  return undefined;
}

const EXAMPLES = 2;

/**
 * 「，如【…】【…】」: up to two other drugs of the class that the library's own points name (their item names), so the
 * doctor reads what the class is; the national data has no ATC name table, and a class name made up here could be
 * wrong. A drug of the same generic as the line's, or of the line's own name, is not an example of another drug.
 */
function examplesOf(library: CompiledLibrary, atcPrefix: string, line: Line): string {
  const alike = (a: string, b: string) => sameAtcClass(a, b) && sameGeneric(a, b);
  const chosen: string[] = [];
  let text = '';
  for (const drug of library.drugsOfClass(atcPrefix)) {
    // One example per generic: 奥美拉唑碳酸氢钠干混悬剂(Ⅰ) and (Ⅱ) are one drug to the doctor.
    if (drug.name === line.name || alike(drug.code, line.code)) continue;
    if (chosen.some((c) => alike(c, drug.code)) || text.includes(`【${drug.name}】`)) continue;
    chosen.push(drug.code);
    text += `【${drug.name}】`;
    if (chosen.length === EXAMPLES) break;
  }
  return chosen.length > 0 ? `，如${text}` : '';
}

/**
 * 药品限二线使用. With first-line codes or classes (the therapy the point's text names, read at import): fires when
 * no context line (earlier order or encounter) shows one; a line of the drug itself (same class and generic name)
 * does not show its own first line. Where the text gives the drug on top of the first line (`firstLineAddOn`), a
 * first-line line of the current request shows it too. With neither (a text that names no therapy the import can map, such as
 * "限二线用药"): fires unless a context line has another drug of the same ATC level-4 class (of the same
 * therapeutic group for the groups of FALLBACK_GROUPS). Allocates nothing per
 * line until it fires.
 */
export const checkSecondLine: PointCheck = (entry, lines, ctx) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'second_line') return undefined;
  const codes = limit.firstLineCodes;
  const classes = limit.firstLineClasses ?? NONE;
  if (codes.length > 0 || classes.length > 0) {
    const therapy = classes.length > 0 ? (limit.firstLineTherapy ?? '一线药品') : '一线药品';
    return flagCurrentLines(
      lines,
      (line) => {
        if (firstLineShown(line, codes, classes, limit.firstLineAddOn === true)) return undefined;
        const since = ownUseSince(line, classes);
        return since === undefined
          ? `未见${therapy}使用记录`
          : `未见本药以外的${therapy}使用记录（本药自 ${formatDay(since)} 起已在使用）`;
      },
      (fact, line) => `${itemLabel(entry, line)}限二线使用${quoted(entry.kp.basis)}，${fact}。`,
    );
  }
  return flagCurrentLines(
    lines,
    (line) => {
      if (!isWesternDrugCode(line.code)) return '未见一线药品使用记录';
      const group = fallbackGroup(line.code);
      const history = line.encounter.patient.lines;
      for (let i = 0; i < history.length; i++) {
        const h = history[i]!;
        if (
          !h.current &&
          isWesternDrugCode(h.code) &&
          (group === undefined ? sameAtcClass(h.code, line.code) : h.code.startsWith(group, 1)) &&
          !(sameAtcClass(h.code, line.code) && sameGeneric(h.code, line.code))
        )
          return undefined;
      }
      return group === undefined
        ? `未见同一药理分类（ATC ${atcClass(line.code)}${examplesOf(ctx.library, atcClass(line.code)!, line)}）其他药品的既往使用记录`
        : `未见同一治疗类别（ATC ${group}${examplesOf(ctx.library, group, line)}）其他药品的既往使用记录`;
    },
    (fact, line) => `${itemLabel(entry, line)}限二线使用${quoted(entry.kp.basis)}，${fact}。`,
  );
};

/**
 * The first day of the patient's earlier use of the line's own drug (context lines of the same class and generic name)
 * when that drug is of the first-line classes, whose lines firstLineShown leaves out; undefined when there is none.
 * 「未见口服降糖药或胰岛素使用记录」 of a monthly insulin refill, beside two months of that insulin in the history, was
 * a false sentence: the message then says what was not seen, another drug than this one.
 */
function ownUseSince(line: Line, classes: readonly string[]): number | undefined {
  if (classes.length === 0 || !isWesternDrugCode(line.code) || !showsClass(line.code, classes)) return undefined;
  let since: number | undefined;
  for (const h of line.encounter.patient.lines) {
    if (h.current || !isWesternDrugCode(h.code) || !sameAtcClass(h.code, line.code) || !sameGeneric(h.code, line.code))
      continue;
    if (since === undefined || h.beginDay < since) since = h.beginDay;
  }
  return since;
}

/**
 * Whether a line of the patient shows the first line: a context line, or with `addOn` (the drug is given on top of a
 * first line that goes on) also a line of the current request, such as metformin prescribed with 度拉糖肽 today.
 */
function firstLineShown(line: Line, codes: readonly string[], classes: readonly string[], addOn: boolean): boolean {
  const history = line.encounter.patient.lines;
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    if (h === line || (h.current && !addOn)) continue;
    if (codes.length > 0 && codes.includes(h.code)) return true;
    if (
      classes.length > 0 &&
      isWesternDrugCode(h.code) &&
      showsClass(h.code, classes) &&
      !(sameAtcClass(h.code, line.code) && sameGeneric(h.code, line.code))
    )
      return true;
  }
  return false;
}
