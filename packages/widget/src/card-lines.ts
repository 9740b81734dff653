/**
 * The lines a warning names (its 医嘱 line, and the rx_id boxes of grouped entries on a page with no order table):
 * what the host calls each line, grouped by name so a long stay's daily orders read as one entry. Apart from the card
 * because it is the card's one part that works from the whole order (names, rows, days), not from the result alone.
 */

import { setChildren } from './dom';
import { element } from './dom-element';
import { type DaySpan, dayOf, daySpan, type LineDay } from './line-dates';
import type { JudgeResultDetailDto, JudgeResultDto } from './types';

/**
 * How the doctor knows a line: its name, or its name with the rx_id small beside it (for a page with no order table
 * to find the line in: the sidecar's reminder page); undefined shows the rx_id alone. `date`, the line's
 * drord_begn_date (or any form of it core reads), dates a grouped entry where the request show() was given has none.
 */
export type LineLabel = (rxId: string) => string | LineLabelObject | undefined;

export interface LineLabelObject {
  name: string;
  withRxId?: boolean;
  date?: string;
}

/** The number of the host's row for an rx_id, as the doctor sees it in the table (1-based), when there is one. */
export type LineNumber = (rxId: string) => number | undefined;

/** Renders a card's 医嘱 line into `lines` and its grouped entries' rx_ids into `rxIds` (both the card's elements). */
export class CardLineList {
  constructor(
    private readonly doc: Document,
    private readonly lines: HTMLElement,
    private readonly rxIds: HTMLElement,
  ) {}

  /**
   * `orderLines`: the rx_ids of the whole order the analysis was given (empty when unknown). A warning may flag one of
   * two orders of an item (结算明细信息异常 flags the second of a double entry): its name alone fits both rows.
   */
  renderLines(
    result: JudgeResultDto,
    lineLabel: LineLabel,
    lineNumber: LineNumber,
    orderLines: readonly string[],
    orderDays: ReadonlyMap<string, LineDay>,
  ): void {
    const parts: (string | Node)[] = [element(this.doc, 'span', 'label', '医嘱')];
    const lines: CardLine[] = [];
    const nameOf = (rxId: string) => {
      const label = lineLabel(rxId);
      // A plain-JS host's hook may answer null (a lookup that found nothing): that is no label, as undefined is.
      const named = typeof label === 'object' && label !== null ? label : undefined;
      const name = typeof label === 'string' ? label : typeof named?.name === 'string' ? named.name : rxId;
      return { name, withRxId: named?.withRxId === true && name !== rxId, day: dayOf(named?.date) };
    };
    for (const detail of result.judge_result_detail_dtos) {
      if (!detail.rx_id || lines.some((line) => line.rxId === detail.rx_id)) continue;
      const { name, withRxId, day } = nameOf(detail.rx_id);
      lines.push({
        rxId: detail.rx_id,
        name,
        withRxId,
        // The host's date of its own line first; else the one the request sent it with.
        day: day ?? orderDays.get(detail.rx_id),
        violation: detail.vola_item_type !== '2',
        rows: rowsStoodFor(detail),
      });
    }
    // Every line the doctor may see under a name, in the order's order; the card's own lines where it is not known.
    const seen = [...new Set([...orderLines, ...lines.map((line) => line.rxId)])];
    const names = new Map<string, string>(lines.map((line) => [line.rxId, line.name]));
    const nameIn = (rxId: string) => {
      let name = names.get(rxId);
      if (name === undefined) {
        name = nameOf(rxId).name;
        names.set(rxId, name);
      }
      return name;
    };
    // A long stay's card flags one item once a day: its lines of one name read as one entry, not 30 to 90 names.
    const groups = groupByName(lines);
    const withRxIds: CardLine[][] = [];
    groups.forEach((group, index) => {
      if (index > 0) parts.push('、');
      const line = group[0]!;
      if (rowCount(group) >= GROUP_FROM || group.some((one) => one.rows > 1)) {
        parts.push(...this.groupedEntry(line.name, group));
        if (group.some((one) => one.withRxId)) withRxIds.push(group);
        return;
      }
      for (const [place, one] of group.entries()) {
        if (place > 0) parts.push('、');
        parts.push(...this.lineEntry(one, seen, nameIn, lineNumber));
      }
    });
    // No detail rows (a result shortened to fit has none): no 医嘱 line, rather than one saying no line is involved.
    this.lines.hidden = lines.length === 0;
    setChildren(this.lines, parts);
    // Named by item only where two grouped entries' boxes could be taken for each other.
    setChildren(
      this.rxIds,
      withRxIds.map((group) => this.rxIdList(group, withRxIds.length > 1)),
    );
    this.rxIds.hidden = withRxIds.length === 0;
  }

  /** One line by name: 「地屈孕酮片（违规项）」, or with its row where another line reads the same. */
  private lineEntry(
    line: CardLine,
    seen: readonly string[],
    nameIn: (rxId: string) => string,
    lineNumber: LineNumber,
  ): (string | Node)[] {
    const parts: (string | Node)[] = [
      element(this.doc, 'span', line.violation ? 'line-violation' : 'line-involved', line.name),
    ];
    if (line.withRxId) parts.push(' ', element(this.doc, 'span', 'line-rx-id', line.rxId));
    const kind = line.violation ? '违规项' : '涉及项';
    // Two orders of one item (a 临时 and a 长期 order, a double entry) read the same: say which row each is.
    const namesake = seen.filter((rxId) => nameIn(rxId) === line.name);
    if (namesake.length < 2) {
      parts.push(`（${kind}）`);
      return parts;
    }
    const row = lineNumber(line.rxId);
    parts.push(
      row === undefined ? `（第 ${namesake.indexOf(line.rxId) + 1} 条，${kind}）` : `（第 ${row} 行，${kind}）`,
    );
    return parts;
  }

  /**
   * 「奥扎格雷氨丁三醇注射用浓溶液 ×30：16 条违规项（09-03 至 09-18），14 条涉及项（08-20 至 09-02）」: a long stay's doctor
   * needs when, not only how many. The ×30 is hidden from screen readers: the counts after it say the same in words;
   * so are the days, said to them as 「9月3日至9月18日」. A kind whose lines' days are not all known names no days. The
   * rows stay marked one by one (row-highlighter works from the result, not from here).
   */
  private groupedEntry(name: string, group: readonly CardLine[]): (string | Node)[] {
    const violating = group.filter((line) => line.violation);
    const involving = group.filter((line) => !line.violation);
    const count = element(this.doc, 'span', 'line-count', ` ×${rowCount(group)}`);
    count.setAttribute('aria-hidden', 'true');
    const parts: (string | Node)[] = [
      element(this.doc, 'span', violating.length > 0 ? 'line-violation' : 'line-involved', name),
      count,
      '：',
    ];
    for (const [kind, lines] of [
      ['违规项', violating],
      ['涉及项', involving],
    ] as const) {
      if (lines.length === 0) continue;
      if (parts.length > 3) parts.push('，');
      parts.push(`${rowCount(lines)} 条${kind}`);
      // Rows an answer folded into one (same_item_rows) left their days behind: a span of the rest could be too short.
      const span = lines.every((line) => line.rows === 1) ? daySpan(lines.map((line) => line.day)) : undefined;
      if (span) parts.push(...this.daySpanParts(span));
    }
    return parts;
  }

  /**
   * The reminder page has no order table: a HIS doctor finds each order by the rx_id a single line shows beside its
   * name. A group's rx_ids, by kind as counted, sit under the 医嘱 line in a box two small lines high that scrolls (with
   * all of them in its title), so a stay's 30 to 90 orders do not lengthen the card again.
   */
  private rxIdList(group: readonly CardLine[], named: boolean): HTMLElement {
    const list = element(this.doc, 'p', 'line-rx-ids', named ? `${group[0]!.name}：` : undefined);
    // Reached by Tab from its warning (card-keys.ts's Tab handling), not a Tab stop of its own in the page's
    // order: the roving warning stays the panel's one way in. One stop for the box, none per rx_id.
    list.tabIndex = -1;
    list.setAttribute('role', 'group');
    list.setAttribute('aria-label', `${group[0]!.name} 的医嘱号，共 ${rowCount(group)} 条，方向键滚动`);
    for (const [kind, lines] of [
      ['违规项', group.filter((line) => line.violation)],
      ['涉及项', group.filter((line) => !line.violation)],
    ] as const) {
      if (lines.length === 0) continue;
      if (list.childElementCount > 0) list.append('；');
      list.append(kind);
      // Each rx_id whole on its line: a break at its hyphen would read as two orders.
      for (const line of lines) list.append(' ', element(this.doc, 'span', undefined, line.rxId));
    }
    list.title = list.textContent ?? '';
    return list;
  }

  /** 「（09-03 至 09-18）」 on screen, 「（9月3日至9月18日）」 to a screen reader. */
  private daySpanParts(span: DaySpan): Node[] {
    const shown = element(this.doc, 'span', 'line-days', `（${span.shown}）`);
    shown.setAttribute('aria-hidden', 'true');
    return [shown, element(this.doc, 'span', 'sr-only', `（${span.spoken}）`)];
  }
}

/** A line a card names: what the result's detail row gives (rx_id, 违规项 or 涉及项) and what the host calls it. */
interface CardLine {
  rxId: string;
  name: string;
  withRxId: boolean;
  /** The day it was ordered on (drord_begn_date), when the host or the request gave it. */
  day: LineDay | undefined;
  violation: boolean;
  /** How many of the result's rows it stands for: more than 1 where an answer cut to its bound folded them into one. */
  rows: number;
}

/**
 * prealert's extension on a detail row of an answer shortened to the national 40,000 characters (sidecar README,
 * `same_item_rows`): the 涉及项 rows of one item it stands for, itself included.
 */
function rowsStoodFor(detail: JudgeResultDetailDto): number {
  const { same_item_rows: rows } = detail as JudgeResultDetailDto & { same_item_rows?: unknown };
  return typeof rows === 'number' && Number.isInteger(rows) && rows > 1 ? rows : 1;
}

function rowCount(lines: readonly CardLine[]): number {
  return lines.reduce((sum, line) => sum + line.rows, 0);
}

/**
 * From this many lines of one name on, a card shows them as one entry with counts. Two lines of one item (a 临时 and a
 * 长期 order, a double entry) stay named one by one with their rows, which the doctor needs to tell them apart; three
 * or more are a series (a stay's daily orders), where the names only push the next warning off the screen.
 */
export const GROUP_FROM = 3;

/**
 * The card's lines by name, in the order each name first appears. A detail row carries no national code and no date
 * (rx_id, vola_item_type, vola_amt), so the name the host gives a line is what identifies its item here (its day
 * comes from the host's label or the request: line-dates.ts).
 */
function groupByName(lines: readonly CardLine[]): CardLine[][] {
  const groups = new Map<string, CardLine[]>();
  for (const line of lines) {
    const group = groups.get(line.name);
    if (group) group.push(line);
    else groups.set(line.name, [line]);
  }
  return [...groups.values()];
}
