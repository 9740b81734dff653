import type { JudgeResultDto, ResponseEnvelope } from '@prealert/core';
import { encodedLength } from './body-charset';
import { envelopeText, spliceResults } from './envelope-text';

/** The reply when not even an empty result list fits: still a valid national envelope, pure ASCII. */
export const TINY_ENVELOPE = '{"infcode":0,"err_msg":"","output":{"result":[],"truncated":true}}';

/** The reply to a failed call when not even its envelope with an empty err_msg fits: still a failure, pure ASCII. */
export const TINY_ERROR_ENVELOPE = '{"infcode":-1,"err_msg":"","output":{}}';

type Envelope = ResponseEnvelope<{ result?: JudgeResultDto[]; truncated?: boolean; [key: string]: unknown }>;

/** An answer fitted to a caller's buffer, and which of its results made it in (by index). */
export interface FittedAnswer {
  text: string;
  /** Indices of the results the text carries (shortened or not); undefined when it carries them all unchanged. */
  kept: readonly number[] | undefined;
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
 * buffer). First every result is shortened (basis text, long messages, 涉及项 lines) so that as many jr_ids as
 * possible survive for the 3103; only then are whole results dropped, lowest severity first.
 */
export function fitAnswer(
  envelope: Envelope,
  charset: string,
  capacity: number,
  /** The results already written as JSON (NationalAnswer.resultJson), so the whole answer is not written twice. */
  resultJson?: readonly string[],
): FittedAnswer {
  const full = resultJson ? envelopeText(envelope as ResponseEnvelope, resultJson) : JSON.stringify(envelope);
  if (encodedLength(full, charset) <= capacity) return { text: full, kept: undefined };
  // A failure must never shrink into a success: a 3103 refused for a missing reason would read as accepted, and a
  // 3101 the sidecar could not answer as "no violations". Only its message is cut.
  if (envelope.infcode !== 0) return { text: fitError(envelope, charset, capacity), kept: [] };

  const results = envelope.output?.result ?? [];
  const base = JSON.stringify({ ...envelope, output: { ...envelope.output, result: [], truncated: true } });
  const baseSize = encodedLength(base, charset);
  // Below even that the shim reports response_too_large itself; it still gets a well-formed answer.
  if (baseSize > capacity) return { text: TINY_ENVELOPE, kept: [] };

  for (const shorten of [shortenLightly, shortenHard]) {
    const shortened = results.map(shorten);
    const json = shortened.map((r) => JSON.stringify(r));
    const sizes = json.map((s) => encodedLength(s, charset));
    const comma = encodedLength(',', charset);
    let total = baseSize + sizes.reduce((a, b) => a + b, 0) + comma * Math.max(0, sizes.length - 1);
    const keep = shortened.map(() => true);
    if (shorten === shortenHard) {
      // Drop lowest severity first (sev_deg 3 before 2 before 1); among equals, the later ones.
      const dropOrder = shortened
        .map((r, i) => ({ i, sev: Number(r.sev_deg) || 3 }))
        .sort((a, b) => b.sev - a.sev || b.i - a.i);
      let kept = sizes.length;
      for (const { i } of dropOrder) {
        if (total <= capacity) break;
        keep[i] = false;
        total -= sizes[i]! + (kept > 1 ? comma : 0);
        kept--;
      }
    }
    if (total <= capacity) {
      const kept: number[] = [];
      for (let i = 0; i < keep.length; i++) if (keep[i]) kept.push(i);
      return {
        text: spliceResults(
          base,
          kept.map((i) => json[i]!),
        ),
        kept,
      };
    }
  }
  return { text: base, kept: [] };
}

/** The failure with err_msg cut (…) to the longest head that fits; TINY_ERROR_ENVELOPE when none does. */
function fitError(envelope: Envelope, charset: string, capacity: number): string {
  const message = envelope.err_msg ?? '';
  const withMessage = (length: number) =>
    JSON.stringify({ ...envelope, err_msg: length === 0 ? '' : `${message.slice(0, length)}…` });
  let best = withMessage(0);
  if (encodedLength(best, charset) > capacity) return TINY_ERROR_ENVELOPE;
  // The encoded size grows with the head's length: the longest head that fits is found by bisection.
  let low = 1;
  let high = message.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const text = withMessage(middle);
    if (encodedLength(text, charset) <= capacity) {
      best = text;
      low = middle + 1;
    } else high = middle - 1;
  }
  return best;
}

function shortenLightly(r: JudgeResultDto): JudgeResultDto {
  return {
    ...r,
    vola_evid: '',
    vola_cont: clip(r.vola_cont, 120),
    judge_result_detail_dtos: (r.judge_result_detail_dtos ?? []).filter((d) => d.vola_item_type === '1'),
  };
}

function shortenHard(r: JudgeResultDto): JudgeResultDto {
  return {
    ...r,
    vola_evid: '',
    vola_cont: clip(r.vola_cont, 40),
    judge_result_detail_dtos: (r.judge_result_detail_dtos ?? [])
      .filter((d) => d.vola_item_type === '1')
      .map((d) => ({ ...d, jrd_id: '', patn_id: '', mdtrt_id: '' })),
  };
}

function clip(text: string | undefined, max: number): string {
  if (!text) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
