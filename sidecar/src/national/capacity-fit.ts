import type { JudgeResultDto, ResponseEnvelope } from '@prealert/core';
import { encodedLength } from './body-charset';
import { envelopeText, spliceResults } from './envelope-text';
import type { AnsweredResult } from './national-service';

/** The reply to a call without warnings when not even its empty result list fits: still true, pure ASCII. */
export const TINY_ENVELOPE = '{"infcode":0,"err_msg":"","output":{"result":[],"truncated":true}}';

/** The reply to a failed call when not even its envelope with an empty err_msg fits: still a failure, pure ASCII. */
export const TINY_ERROR_ENVELOPE = '{"infcode":-1,"err_msg":"","output":{}}';

/**
 * What every shortening keeps: the 3103 needs jr_id, dropping decides by wf_impact and sev_deg; a decision already
 * taken (dspo_way, dspo_way_rea, prior_dspo) or offered from an earlier visit (prior_visit_rea, prior_visit_date)
 * must not come back as a new question, and a HIS adds up vola_amt.
 */
type ShortResult = Pick<
  AnsweredResult,
  | 'jr_id'
  | 'rule_id'
  | 'rule_name'
  | 'vola_cont'
  | 'sev_deg'
  | 'wf_impact'
  | 'vola_amt'
  | 'dspo_way'
  | 'dspo_way_rea'
  | 'prior_dspo'
  | 'prior_visit_rea'
  | 'prior_visit_date'
>;

export type Envelope = ResponseEnvelope<{ result?: JudgeResultDto[]; truncated?: boolean; [key: string]: unknown }>;

/** An answer fitted to a caller's buffer, and which of its results made it in (by index). */
export interface FittedAnswer {
  text: string;
  /** Indices of the results the text carries (shortened or not); undefined when it carries them all unchanged. */
  kept: readonly number[] | undefined;
  /** True when a success became a failure (no warning fits): the caller was told nothing, so nothing is recorded. */
  refused?: true;
}

/** fitAnswer's text. */
export function fitToCapacity(
  envelope: Envelope,
  charset: string,
  capacity: number,
  resultJson?: readonly string[],
): string {
  return fitAnswer(envelope, charset, capacity, resultJson).text;
}

/**
 * Serialises `envelope` so that it fits `capacity` bytes once encoded in `charset` (the native shim's caller-owned
 * buffer). Results are shortened step by step (basis text and 涉及项 lines, then the detail ids, then a skeleton:
 * jr_id, rule, severity, impact, a short text; then only jr_id, severity, impact and the text's head; every form keeps
 * vola_amt and the decision fields), the largest first and only as far as needed, so that all jr_ids survive for the
 * 3103 and small results stay whole; only then are whole results dropped, weakest impact first (block last), then
 * lowest severity. When not even one fits that way, or a `block` one would have to go, the answer is a failure naming the
 * buffer size needed: a success with an empty or block-less list would read as "no reminders" / "continue".
 */
export function fitAnswer(
  envelope: Envelope,
  charset: string,
  capacity: number,
  /** The results already written as JSON (NationalAnswer.resultJson), so the whole answer is not written twice. */
  resultJson?: readonly string[],
): FittedAnswer {
  return fitWithin(envelope, resultJson, {
    size: (text) => encodedLength(text, charset),
    capacity,
    ladder: SHORTENINGS,
    refusal: (count, needed) => tooSmall(envelope, count, needed, charset),
  });
}

/** A result as one step of a shortening ladder leaves it: at least what the 3103 and the dropping order need. */
export type ShortenedResult = Partial<ShortResult> & Pick<ShortResult, 'jr_id' | 'sev_deg' | 'wf_impact'>;

/** How an answer is measured and shortened: fitAnswer (the shim's buffer) and fitOutputLength (the spec's field). */
export interface FitRule {
  /** The size of the whole answer's text, in the unit of `capacity`; the sum of its parts' sizes. */
  size: (text: string) => number;
  capacity: number;
  /**
   * Shortenings, gentlest first: each is taken on the largest results until the answer fits, the next one only when
   * it was taken on all; at the last one results are dropped by priority when still too big.
   */
  ladder: readonly ((r: JudgeResultDto) => ShortenedResult)[];
  /** The failure answered when not one result fits (or a block one would be dropped): the size needed in full. */
  refusal: (count: number, needed: number) => Envelope;
}

/** fitAnswer, measured and shortened by `rule`. */
export function fitWithin(envelope: Envelope, resultJson: readonly string[] | undefined, rule: FitRule): FittedAnswer {
  const { size, capacity } = rule;
  const full = resultJson ? envelopeText(envelope as ResponseEnvelope, resultJson) : JSON.stringify(envelope);
  if (size(full) <= capacity) return { text: full, kept: undefined };
  // A failure must never shrink into a success: a 3103 refused for a missing reason would read as accepted, and a
  // 3101 the sidecar could not answer as "no violations". Only its message is cut.
  if (envelope.infcode !== 0) return { text: fitError(envelope, size, capacity), kept: [] };

  const results = envelope.output?.result ?? [];
  const base = JSON.stringify({ ...envelope, output: { ...envelope.output, result: [], truncated: true } });
  const baseSize = size(base);
  if (results.length === 0) {
    // Nothing to lose: "no reminders" is the truth here, however small the buffer.
    return { text: baseSize <= capacity ? base : TINY_ENVELOPE, kept: [] };
  }
  const comma = size(',');
  // Each result moves down the ladder on its own (level -1 = whole): a step is applied to the largest results
  // first and only until the answer fits, so one huge result does not decide for all (review-session F1).
  const forms = results.map((r, i) => new Map<number, string>([[-1, resultJson?.[i] ?? JSON.stringify(r)]]));
  const formOf = (i: number, level: number) => {
    let json = forms[i]!.get(level);
    if (json === undefined) {
      json = JSON.stringify(rule.ladder[level]!(results[i]!));
      forms[i]!.set(level, json);
    }
    return json;
  };
  const level = results.map(() => -1);
  const sizes = results.map((_, i) => size(formOf(i, -1)));
  const wholeSizes = [...sizes];
  let total = baseSize + sizes.reduce((a, b) => a + b, 0) + comma * (sizes.length - 1);
  const moveTo = (i: number, to: number) => {
    const next = size(formOf(i, to));
    total += next - sizes[i]!;
    sizes[i] = next;
    level[i] = to;
  };
  // A harsher step on any result only once the gentler one on every result was not enough.
  for (let step = 0; step < rule.ladder.length && total > capacity; step++) {
    const largestFirst = results.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
    for (const i of largestFirst) {
      moveTo(i, step);
      if (total <= capacity) break;
    }
  }
  // The step that fitted was taken on results that did not need it (a small result can precede the huge one
  // still to be shortened): the room left gives them back their gentlest form that fits, smallest first.
  const giveBack = (indices: readonly number[], room: number) => {
    const smallestFirst = [...indices].sort((a, b) => wholeSizes[a]! - wholeSizes[b]! || a - b);
    for (const i of smallestFirst) {
      for (let gentler = -1; gentler < level[i]!; gentler++) {
        const grows = size(formOf(i, gentler)) - sizes[i]!;
        if (grows > room) continue;
        room -= grows;
        moveTo(i, gentler);
        break;
      }
    }
  };
  if (total <= capacity) {
    giveBack(
      results.map((_, i) => i),
      capacity - total,
    );
    return {
      text: spliceResults(
        base,
        results.map((_, i) => formOf(i, level[i]!)),
      ),
      kept: results.map((_, i) => i),
    };
  }
  // Every result is at the last step: whole results are dropped by priority.
  const kept = keptByPriority(results, sizes, capacity - baseSize, comma);
  if (kept.length > 0) {
    const keptTotal = baseSize + kept.reduce((sum, i) => sum + sizes[i]!, 0) + comma * (kept.length - 1);
    giveBack(kept, capacity - keptTotal);
    return {
      text: spliceResults(
        base,
        kept.map((i) => formOf(i, level[i]!)),
      ),
      kept,
    };
  }
  return {
    text: fitError(rule.refusal(results.length, total), size, capacity),
    kept: [],
    refused: true,
  };
}

/** Impact decides what the doctor may do next, so it outranks severity when results must be dropped. */
const IMPACT_RANK: Record<string, number> = { block: 0, reason: 1, confirm: 2, notice: 3 };

/**
 * Indices (ascending) of the results kept within `room` bytes, dropping the weakest impact first, then the lowest
 * severity (sev_deg 3 before 2 before 1), then the later ones. Empty when a `block` result would be dropped or
 * nothing fits.
 */
function keptByPriority(
  results: readonly Pick<ShortResult, 'sev_deg' | 'wf_impact'>[],
  sizes: readonly number[],
  room: number,
  comma: number,
) {
  const rank = (r: Pick<ShortResult, 'wf_impact'>) => IMPACT_RANK[r.wf_impact] ?? IMPACT_RANK.notice!;
  const dropOrder = results
    .map((r, i) => ({ i, impact: rank(r), sev: Number(r.sev_deg) || 3 }))
    .sort((a, b) => b.impact - a.impact || b.sev - a.sev || b.i - a.i);
  const keep = results.map(() => true);
  let total = sizes.reduce((a, b) => a + b, 0) + comma * (sizes.length - 1);
  let count = sizes.length;
  for (const { i, impact } of dropOrder) {
    if (total <= room) break;
    if (impact === IMPACT_RANK.block) return [];
    keep[i] = false;
    total -= sizes[i]! + (count > 1 ? comma : 0);
    count--;
  }
  if (count === 0 || total > room) return [];
  const kept: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i]) kept.push(i);
  return kept;
}

/**
 * The failure answered instead of warnings that do not fit: it names the output_capacity (the shim's argument: in
 * UTF-16 units for the `_w` entry, NUL included) that carries every warning as a skeleton. Numbers first, so that
 * fitError's cut keeps them.
 */
function tooSmall(envelope: Envelope, count: number, neededBytes: number, charset: string): Envelope {
  const needed = (charset === 'utf-16le' ? Math.ceil(neededBytes / 2) : neededBytes) + 1;
  return {
    ...envelope,
    infcode: -1,
    err_msg: `output_capacity 至少需 ${needed}（${count} 条提醒，建议 65536）：输出缓冲区太小，提醒未能返回`,
    output: {},
  };
}

/** The failure with err_msg cut (…) to the longest head that fits; TINY_ERROR_ENVELOPE when none does. */
function fitError(envelope: Envelope, size: (text: string) => number, capacity: number): string {
  const message = envelope.err_msg ?? '';
  const withMessage = (length: number) =>
    JSON.stringify({ ...envelope, err_msg: length === 0 ? '' : `${message.slice(0, length)}…` });
  let best = withMessage(0);
  if (size(best) > capacity) return TINY_ERROR_ENVELOPE;
  // The encoded size grows with the head's length: the longest head that fits is found by bisection.
  let low = 1;
  let high = message.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const text = withMessage(middle);
    if (size(text) <= capacity) {
      best = text;
      low = middle + 1;
    } else high = middle - 1;
  }
  return best;
}

export function shortenLightly(r: JudgeResultDto): JudgeResultDto {
  return {
    ...r,
    vola_evid: '',
    vola_cont: clip(r.vola_cont, 120),
    judge_result_detail_dtos: (r.judge_result_detail_dtos ?? []).filter((d) => d.vola_item_type === '1'),
  };
}

export function shortenHard(r: JudgeResultDto): JudgeResultDto {
  return {
    ...r,
    vola_evid: '',
    vola_cont: clip(r.vola_cont, 40),
    judge_result_detail_dtos: (r.judge_result_detail_dtos ?? [])
      .filter((d) => d.vola_item_type === '1')
      .map((d) => ({ ...d, jrd_id: '', patn_id: '', mdtrt_id: '' })),
  };
}

/**
 * What the doctor and the 3103 cannot do without: the jr_id to answer, which rule, how severe, what continuing needs,
 * and the head of the message (usually 【drug】 and what is wrong). Fields a national client expects may be missing.
 */
export function skeleton(r: AnsweredResult): ShortenedResult {
  return {
    jr_id: r.jr_id,
    rule_id: r.rule_id,
    rule_name: clip(r.rule_name, 8),
    vola_cont: clip(r.vola_cont, 16),
    sev_deg: r.sev_deg,
    wf_impact: r.wf_impact,
    ...keptInEveryForm(r),
  };
}

/** The last resort before dropping: what the 3103 needs (jr_id) and what the doctor reads first, 【drug】 and rule. */
export function bare(r: AnsweredResult): ShortenedResult {
  return {
    jr_id: r.jr_id,
    vola_cont: clip(r.vola_cont, 12),
    sev_deg: r.sev_deg,
    wf_impact: r.wf_impact,
    ...keptInEveryForm(r),
  };
}

/**
 * The amount and the decision fields, as the result has them (the decision ones only when set): a continued warning
 * shortened without them would be asked again, and a HIS that answers open warnings itself would overwrite the
 * doctor's reason (review-session F5). Reasons are kept whole: a clipped one would be sent back as the reason.
 */
function keptInEveryForm(r: AnsweredResult): Partial<ShortResult> {
  const kept: Partial<ShortResult> = { vola_amt: r.vola_amt };
  if (r.dspo_way !== undefined) kept.dspo_way = r.dspo_way;
  if (r.dspo_way_rea !== undefined) kept.dspo_way_rea = r.dspo_way_rea;
  if (r.prior_dspo !== undefined) kept.prior_dspo = r.prior_dspo;
  if (r.prior_visit_rea !== undefined) kept.prior_visit_rea = r.prior_visit_rea;
  if (r.prior_visit_date !== undefined) kept.prior_visit_date = r.prior_visit_date;
  return kept;
}

const SHORTENINGS: readonly ((r: JudgeResultDto) => ShortenedResult)[] = [shortenLightly, shortenHard, skeleton, bare];

function clip(text: string | undefined, max: number): string {
  if (!text) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
