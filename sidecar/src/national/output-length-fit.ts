import type { AnalysisInput, JudgeResultDto } from '@prealert/core';
import {
  bare,
  type Envelope,
  type FittedAnswer,
  fitWithin,
  type ShortenedResult,
  shortenHard,
  shortenLightly,
  skeleton,
} from './capacity-fit';

type Detail = NonNullable<JudgeResultDto['judge_result_detail_dtos']>[number];

/**
 * prealert's extension field on the one 涉及项 row kept for an item whose other 涉及项 rows were left out to fit the
 * output bound: how many rows of that item it stands for. National clients ignore unknown fields.
 */
export interface CollapsedRowFields {
  same_item_rows?: number;
}

/**
 * A 3101/3102 success whose `output` would exceed `maxChars` characters (3101-3103.md §1.2 gives the field 40000),
 * fitted to it; undefined, at the cost of a few string lengths, when it already fits (almost every answer). A long
 * stay's discharge 3102 carries one result per rule and item with a detail row per flagged day: the detail rows are
 * shortened first, so that every result and every 违规项 row stay while they can — 涉及项 rows of one item collapsed
 * into one (`same_item_rows`), then the rows' copies of the result's patn_id and mdtrt_id left out, then the 涉及项
 * rows, then the 违规项 rows' jrd_id — and only then the shim's ladder (texts, skeleton, dropping by priority). Each
 * step is taken on the largest results only until the answer fits, so one item flagged on hundreds of lines is
 * shortened alone and the other results go out whole (fitWithin). The answer is marked `output.truncated`. `itemOf` names the item (hilist_code) of a line, asked only when shortening.
 */
export function fitOutputLength(
  envelope: Envelope,
  resultJson: readonly string[],
  maxChars: number,
  itemOf: () => ReadonlyMap<string, string>,
): FittedAnswer | undefined {
  // The cheap check, on the text already written: the results' own JSON is nearly all of the output.
  let length = JSON.stringify({ ...envelope.output, result: [] }).length + Math.max(resultJson.length - 1, 0);
  for (const json of resultJson) length += json.length;
  if (length <= maxChars || envelope.infcode !== 0) return undefined;

  // The envelope around `output` is the same whatever the output holds: the bound on the whole text is the field's.
  const around = JSON.stringify({ ...envelope, output: 0 }).length - 1;
  const items = itemOf();
  const collapsed = (r: JudgeResultDto) => withDetails(r, involvedCollapsed(details(r), items));
  const collapsedWithoutCopies = (r: JudgeResultDto) =>
    withDetails(r, involvedCollapsed(details(r), items).map(withoutEncounterCopies));
  const violationsWithoutCopies = (r: JudgeResultDto) =>
    withDetails(r, violationRows(details(r)).map(withoutEncounterCopies));
  const violationsWithoutIds = (r: JudgeResultDto) => withDetails(r, violationRows(details(r)).map(withoutDetailIds));
  return fitWithin(envelope, resultJson, {
    size: (text) => text.length,
    capacity: maxChars + around,
    ladder: [
      collapsed,
      collapsedWithoutCopies,
      violationsWithoutCopies,
      violationsWithoutIds,
      shortTexts,
      shortenHard,
      skeleton,
      bare,
    ],
    refusal: (count, needed) => ({
      ...envelope,
      infcode: -1,
      err_msg: `output 超过 ${maxChars} 字符（${count} 条提醒精简后仍需 ${needed - around}）：可调高 outputMaxChars（PREALERT_OUTPUT_MAX_CHARS）或设为 0`,
      output: {},
    }),
  });
}

/** Every order line's item (hilist_code, else hosplist_code) by rx_id: which 涉及项 rows are of one item. */
export function itemsByRxId(input: AnalysisInput): ReadonlyMap<string, string> {
  const items = new Map<string, string>();
  for (const patient of input.data.patient_dtos) {
    for (const encounter of patient.fsi_encounter_dtos) {
      for (const order of encounter.fsi_order_dtos) {
        const item = order.hilist_code || order.hosplist_code;
        if (item && !items.has(order.rx_id)) items.set(order.rx_id, item);
      }
    }
  }
  return items;
}

function details(r: JudgeResultDto): readonly Detail[] {
  return r.judge_result_detail_dtos ?? [];
}

function withDetails(r: JudgeResultDto, rows: readonly (Detail & CollapsedRowFields)[]): JudgeResultDto {
  return { ...r, judge_result_detail_dtos: rows as Detail[] };
}

function violationRows(rows: readonly Detail[]): Detail[] {
  return rows.filter((d) => d.vola_item_type === '1');
}

/** The first 涉及项 row of each item, counting the rows it stands for; 违规项 rows and unknown items stay as they are. */
function involvedCollapsed(
  rows: readonly Detail[],
  items: ReadonlyMap<string, string>,
): (Detail & CollapsedRowFields)[] {
  const kept: (Detail & CollapsedRowFields)[] = [];
  const firstOfItem = new Map<string, number>();
  for (const row of rows) {
    const item = row.vola_item_type === '1' || !row.rx_id ? undefined : items.get(row.rx_id);
    if (item === undefined) {
      kept.push(row);
      continue;
    }
    const first = firstOfItem.get(item);
    if (first === undefined) {
      firstOfItem.set(item, kept.length);
      kept.push(row);
    } else {
      const standsFor = kept[first]!;
      kept[first] = { ...standsFor, same_item_rows: (standsFor.same_item_rows ?? 1) + 1 };
    }
  }
  return kept;
}

/** A row repeats its result's patn_id and mdtrt_id; the result still carries both. */
function withoutEncounterCopies<Row extends Detail>(row: Row): Row {
  return { ...row, patn_id: '', mdtrt_id: '' };
}

function withoutDetailIds(row: Detail): Detail {
  return { ...row, jrd_id: '', patn_id: '', mdtrt_id: '' };
}

/** shortenLightly's texts, with the 违规项 rows as bare as the step before it left them. */
function shortTexts(r: JudgeResultDto): ShortenedResult {
  const light = shortenLightly(r);
  return withDetails(light, details(light).map(withoutDetailIds));
}
