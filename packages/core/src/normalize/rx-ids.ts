import type { Line } from './normalized-types';
import { isReversal } from './reversals';

/** Where a line was sent: its position in fsi_encounter_dtos and in that entry's fsi_order_dtos. */
export interface Row {
  encounter: number;
  order: number;
}

/** The first line of an rx_id: its row and its item. */
export interface Owner extends Row {
  code: string;
}

/**
 * The rx_ids of one encounter and the row that first used each. A result names its lines by rx_id alone (§2.6: "每行
 * 必须唯一，否则违规明细无法映射回具体医嘱"), so two different items under one rx_id put a warning on the wrong drug, in
 * the HIS and on the reminder page. Not every repeat is that: a refund (冲销/退费) may carry the rx_id of the charge it
 * reverses (netReversals looks for it there first) and is never flagged itself, and a fee system may send each day's
 * charge of one long-term order under the order's rx_id (3102): the lines are the same item, so whichever the warning
 * lands on names the right drug. A repeat is refused only when neither holds: two lines that take nothing back, of
 * different items.
 */
export class RxIdOwners {
  readonly #owners = new Map<string, Owner>();

  /** The earlier line (row and item) `line` may not share its rx_id with, or undefined. */
  clash(line: Line, encounter: number, order: number): Owner | undefined {
    if (isReversal(line)) return undefined;
    const owner = this.#owners.get(line.rxId);
    if (owner === undefined) {
      this.#owners.set(line.rxId, { code: line.code, encounter, order });
      return undefined;
    }
    return owner.code === line.code ? undefined : owner;
  }
}
