import { charCount, firstChars } from '../evaluate/national-text-length';

/** err_msg is 字符 200 (3101-3103.md §1): a HIS stores it in a column that wide, or cuts it wherever its driver does. */
export const ERR_MSG_CHARS = 200;

const ELLIPSIS = '…';

function leftOut(count: number): string {
  return count > 0 ? `; …另有 ${count} 处` : '';
}

/**
 * `head` and as many whole errors as fit in `max` characters, ending with 「…另有 N 处」 when some are left out. The
 * first error is always there (cut with … when it alone is too long), so the answer names at least one field to fix.
 */
export function errorList(head: string, errors: readonly string[], max = ERR_MSG_CHARS): string {
  if (errors.length === 0) return firstChars(head, max);
  const first = errors[0]!;
  const firstTail = leftOut(errors.length - 1);
  const room = max - charCount(head) - charCount(firstTail);
  let text = head + (charCount(first) <= room ? first : firstChars(first, Math.max(room - 1, 0)) + ELLIPSIS);
  let used = charCount(text);
  let shown = 1;
  for (; shown < errors.length; shown++) {
    const next = `; ${errors[shown]}`;
    const length = used + charCount(next);
    if (length + charCount(leftOut(errors.length - shown - 1)) > max) break;
    text += next;
    used = length;
  }
  return text + leftOut(errors.length - shown);
}
