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
  const parts: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'number' ? [raw] : String(raw).split(/[,，\s]+/);
  const scenes: number[] = [];
  for (const part of parts) {
    const text = String(part).trim();
    if (text === '') continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 10) {
      return { path, message: `触发场景 ${JSON.stringify(text)} 无效，应为 1–10（可用英文逗号分隔多个）` };
    }
    if (!scenes.includes(n)) scenes.push(n);
  }
  return scenes.length > 0 ? scenes : [...(infno === '3102' ? IN_SCENES : PRE_SCENES)];
}

/** Bit mask of scenes, so "does this rule run here" is one AND on the hot path. */
export function sceneMask(scenes: readonly number[]): number {
  let mask = 0;
  for (const s of scenes) mask |= 1 << s;
  return mask;
}
