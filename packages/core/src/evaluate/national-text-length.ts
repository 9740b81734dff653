import { withoutClosingStop } from '../checks/hit';

/**
 * vola_cont and vola_evid are 字符 500 (3101-3103.md §3.1), and HIS keep them in columns that wide: a longer text
 * fails the HIS's insert or is cut wherever its driver cuts. Published restrictions run to 800 characters
 * (替雷利珠单抗注射液), so a sentence quoting one is fitted here.
 */
const NATIONAL_TEXT_CHARS = 500;

const ELLIPSIS = '…';

/** Characters as the platform counts them: code points, so a cut never splits a surrogate pair. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function firstChars(text: string, n: number): string {
  let out = '';
  let i = 0;
  for (const c of text) {
    if (i++ === n) break;
    out += c;
  }
  return out;
}

/** The text, or its first max − 1 characters and an ellipsis. */
export function cutToChars(text: string, max = NATIONAL_TEXT_CHARS): string {
  if (text.length <= max) return text;
  if (charCount(text) <= max) return text;
  return firstChars(text, max - 1) + ELLIPSIS;
}

/**
 * A message that quotes a long restriction or basis: the quotation is shortened, not the sentence's end, which names
 * the patient fact or what the doctor is asked to do (「…，本次诊断为 …，请确认患者符合支付条件。」). Where no quotation
 * can absorb the excess, the message is cut at its end as any text.
 */
export function fitMessage(
  message: string,
  quotations: readonly (string | undefined)[],
  max = NATIONAL_TEXT_CHARS,
): string {
  if (message.length <= max) return message;
  const length = charCount(message);
  if (length <= max) return message;
  for (const text of quotations) {
    if (!text) continue;
    // As published, or as quoted() puts it in brackets (without its closing full stop).
    for (const q of [text, withoutClosingStop(text)]) {
      if (!q || !message.includes(q)) continue;
      const keep = charCount(q) - (length - max) - 1;
      if (keep >= 20) return message.replace(q, () => firstChars(q, keep) + ELLIPSIS);
    }
  }
  return cutToChars(message, max);
}

/** A short label (a diagnosis name): its first `chars` characters and an ellipsis when longer. */
export function clipChars(text: string, chars: number): string {
  if (text.length <= chars || charCount(text) <= chars) return text;
  return firstChars(text, chars) + ELLIPSIS;
}
