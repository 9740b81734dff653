import { quoteValue } from '../envelope/quote-value';
import type { FieldError } from '../envelope/validate';

export type Stage = '事前' | '事中';

/** trig_scen 1–5 are 事前, 6–10 事中 (3101-3103.md §2.9). */
export const SCENE_STAGE: Readonly<Record<number, Stage>> = {
  1: '事前',
  2: '事前',
  3: '事前',
  4: '事前',
  5: '事前',
  6: '事中',
  7: '事中',
  8: '事中',
  9: '事中',
  10: '事中',
};

export const PRE_SCENES: readonly number[] = [1, 2, 3, 4, 5];
export const IN_SCENES: readonly number[] = [6, 7, 8, 9, 10];
export const ALL_SCENES: readonly number[] = [...PRE_SCENES, ...IN_SCENES];

/**
 * "2", 2, "1,2" or ["1","2"] → [1, 2]. Missing or empty means the request did not say: the default stage of the
 * interface is used (3101 → 事前 scenes, 3102 → 事中 scenes). Values outside 1–10 (one client sends "23") are rejected.
 */
export function parseScenes(
  raw: unknown,
  infno: '3101' | '3102' = '3101',
  path = 'input.data.trig_scen',
): number[] | FieldError {
  if (raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0)) {
    return [...(infno === '3102' ? IN_SCENES : PRE_SCENES)];
  }
  // The usual request names one scene as one digit ("2"): answered without the split and its regex.
  if (typeof raw === 'string' && raw.length === 1) {
    const digit = raw.charCodeAt(0) - 48;
    if (digit >= 1 && digit <= 9) return [digit];
  }
  // An object or a list is no scene (a list's items included); String() of a JSON object with a "toString" key
  // would even throw. Anything else is read as text.
  if (typeof raw === 'object' && !Array.isArray(raw)) return notScenes(raw, path);
  const parts: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[,，\s]+/) : [raw];
  const scenes: number[] = [];
  for (const part of parts) {
    if (typeof part === 'object' && part !== null) return notScenes(part, path);
    const text = String(part).trim();
    if (text === '') continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 10) {
      return { path, message: `触发场景 ${quoteValue(text)} 无效，应为 1–10（可用英文逗号分隔多个）` };
    }
    if (!scenes.includes(n)) scenes.push(n);
  }
  return scenes.length > 0 ? scenes : [...(infno === '3102' ? IN_SCENES : PRE_SCENES)];
}

/** The error for a trig_scen (or an item of its list) that is a JSON object or a list. */
function notScenes(value: object, path: string): FieldError {
  const kind = Array.isArray(value) ? '嵌套集合' : 'JSON 对象';
  return { path, message: `触发场景应为 1–10 的代码（文本、数字或其集合），不能是${kind}` };
}

/** Bit mask of scenes, so "does this rule run here" is one AND on the hot path. */
export function sceneMask(scenes: readonly number[]): number {
  let mask = 0;
  for (const s of scenes) mask |= 1 << s;
  return mask;
}
