import type { JudgeResultDto, ResponseEnvelope } from '@prealert/core';
import { encodedLength } from './body-charset';
import { envelopeText, spliceResults } from './envelope-text';

/** The reply to a call without warnings when not even its empty result list fits: still true, pure ASCII. */
export const TINY_ENVELOPE = '{"infcode":0,"err_msg":"","output":{"result":[],"truncated":true}}';

/** The reply to a failed call when not even its envelope with an empty err_msg fits: still a failure, pure ASCII. */
export const TINY_ERROR_ENVELOPE = '{"infcode":-1,"err_msg":"","output":{}}';

/** What every shortening keeps: the 3103 needs jr_id, dropping decides by wf_impact and sev_deg. */
type ShortResult = Pick<JudgeResultDto, 'jr_id' | 'rule_id' | 'rule_name' | 'vola_cont' | 'sev_deg' | 'wf_impact'>;

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
 * buffer). Every result is shortened step by step (basis text and 涉及项 lines, then the detail ids, then a skeleton:
 * jr_id, rule, severity, impact, a short text; then only jr_id, severity, impact and the text's head) so that all
 * jr_ids survive for the 3103; only then are whole results dropped, weakest impact first (block last), then lowest
 * severity. When not even one fits that way, or a `block` one would have to go, the answer is a failure naming the
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
  /** Shortenings tried in turn on every result; the last one's results are dropped by priority when still too big. */
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
  const last = rule.ladder[rule.ladder.length - 1];
  let smallestTotal = Number.POSITIVE_INFINITY;
  for (const shorten of rule.ladder) {
    const shortened = results.map(shorten);
    const json = shortened.map((r) => JSON.stringify(r));
    const sizes = json.map(size);
    const total = baseSize + sizes.reduce((a, b) => a + b, 0) + comma * (sizes.length - 1);
    smallestTotal = total;
    if (total <= capacity) return { text: spliceResults(base, json), kept: results.map((_, i) => i) };
    if (shorten !== last) continue;
    const kept = keptByPriority(shortened, sizes, capacity - baseSize, comma);
    if (kept.length > 0) {
      return {
        text: spliceResults(
          base,
          kept.map((i) => json[i]!),
        ),
        kept,
      };
    }
  }
  return {
    text: fitError(rule.refusal(results.length, smallestTotal), size, capacity),
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
export function skeleton(r: JudgeResultDto): ShortResult {
  return {
    jr_id: r.jr_id,
    rule_id: r.rule_id,
    rule_name: clip(r.rule_name, 8),
    vola_cont: clip(r.vola_cont, 16),
    sev_deg: r.sev_deg,
    wf_impact: r.wf_impact,
  };
}

/** The last resort before dropping: what the 3103 needs (jr_id) and what the doctor reads first, 【drug】 and rule. */
export function bare(r: JudgeResultDto): Partial<ShortResult> & Pick<ShortResult, 'jr_id' | 'sev_deg' | 'wf_impact'> {
  return { jr_id: r.jr_id, vola_cont: clip(r.vola_cont, 12), sev_deg: r.sev_deg, wf_impact: r.wf_impact };
}

const SHORTENINGS: readonly ((r: JudgeResultDto) => ShortenedResult)[] = [shortenLightly, shortenHard, skeleton, bare];

function clip(text: string | undefined, max: number): string {
  if (!text) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
