import type { AgeBound } from '@prealert/core';

/** The age range a text states; either side may be open. */
export interface StatedAge {
  min?: AgeBound;
  max?: AgeBound;
}

const UNIT = '(周岁|岁|个月|月龄|月|周|天)';
const NUM = '(?<![\\d.．])(\\d+)';
const LOWER_OP = '(≥|>=|＞=|大于等于|大于|满|>|＞)';
const UPPER_OP = '(≤|<=|＜=|小于等于|小于|未满|不满|<|＜)';
const TO = '(?:-|–|—|~|～|至|到)';

/**
 * One age expression, tried in this order at each place: a range (6-17岁, 2岁至11岁, 5至12岁以下, 2岁至<18岁,
 * 1月龄至18岁), a lower bound (3岁及3岁以上, 1月以上, ≥2岁), an upper bound (11周岁以下, 未满12岁, <18岁).
 * readItem reads the capture groups by position: keep the two in step.
 */
const AGE = new RegExp(
  [
    `${LOWER_OP}?\\s*${NUM}\\s*${UNIT}?\\s*(及以上|以上)?\\s*${TO}\\s*${UPPER_OP}?\\s*${NUM}\\s*${UNIT}\\s*(及以下|以下|以内)?`,
    `${LOWER_OP}?\\s*${NUM}\\s*${UNIT}\\s*(?:及\\s*(?:\\d+\\s*${UNIT}\\s*)?)?以上`,
    `${LOWER_OP}\\s*${NUM}\\s*${UNIT}`,
    `${UPPER_OP}\\s*${NUM}\\s*${UNIT}`,
    `${NUM}\\s*${UNIT}\\s*(及以下|以下|以内)`,
  ].join('|'),
  'g',
);

/** A number right after one of these is a course or a duration (or a negated bound), not an age. */
const DURATION_BEFORE = /(疗程|病程|治疗|用药|服用|连续|持续|间隔|每|妊娠|孕|术后|至少|超过|不)\s*$/;
/** Days, weeks or months are an age only when the text says so: 1月以上婴儿, 出生7天内, 1月龄. */
const AGE_AFTER = /^\s*的?\s*(婴|儿|童|新生|小儿|患)/;
const AGE_BEFORE = /(出生|出生后|日龄|月龄)\s*$/;

/** List markers (1. 2、 (3)) at the start of an item: 限：1.1岁至14岁 is the range 1–14, not 1.1 years. */
const LIST_MARKER = /(^|[：:；;。\s])(?:\d{1,2}[.．、]|[(（]\d{1,2}[)）])/g;

function unitOf(u: string): { unit: AgeBound['unit']; factor: number } {
  if (u === '岁' || u === '周岁') return { unit: 'year', factor: 1 };
  if (u === '月' || u === '个月' || u === '月龄') return { unit: 'month', factor: 1 };
  if (u === '周') return { unit: 'day', factor: 7 };
  return { unit: 'day', factor: 1 };
}

function bound(n: string, u: string, inclusive: boolean): AgeBound {
  const { unit, factor } = unitOf(u);
  return { value: Number(n) * factor, unit, inclusive };
}

/** Roughly in days, only to order bounds of different units against each other. */
function approxDays(b: AgeBound): number {
  const days = b.unit === 'year' ? b.value * 365.25 : b.unit === 'month' ? b.value * 30.44 : b.value;
  return days;
}

const lowerInclusive = (op: string | undefined): boolean => op !== '>' && op !== '＞' && op !== '大于';
const upperInclusive = (op: string | undefined, suffix: string | undefined): boolean =>
  op ? /^(≤|<=|＜=|小于等于)$/.test(op) : suffix !== '以下' && suffix !== '以内';

/** The expressions of one item, e.g. "5岁及以上、12岁以下儿童": each narrows the item's range. */
function readItem(item: string): StatedAge | undefined {
  let found: StatedAge | undefined;
  const narrow = (side: 'min' | 'max', b: AgeBound) => {
    found ??= {};
    const had = found[side];
    if (!had) found[side] = b;
    else if (side === 'min' ? approxDays(b) > approxDays(had) : approxDays(b) < approxDays(had)) found[side] = b;
  };
  for (const m of item.matchAll(AGE)) {
    const before = item.slice(Math.max(0, m.index - 4), m.index);
    if (DURATION_BEFORE.test(before)) continue;
    const units = m.slice(1).filter((x): x is string => x !== undefined && /^(周岁|岁|个月|月龄|月|周|天)$/.test(x));
    if (
      units.every((u) => unitOf(u).unit !== 'year') &&
      !units.includes('月龄') &&
      !AGE_BEFORE.test(before) &&
      !AGE_AFTER.test(item.slice(m.index + m[0].length))
    )
      continue; // 疗程3至6天, 3个月以上: a course, not an age
    const g = m.slice(1);
    if (g[1] !== undefined) {
      // Range: lower op, n, unit (else the upper one), 以上, upper op, n, unit, 以下.
      const [lop, a, ua, , uop, b, ub, suffix] = g;
      narrow('min', bound(a!, ua ?? ub!, lowerInclusive(lop)));
      narrow('max', bound(b!, ub!, upperInclusive(uop, suffix)));
    } else if (g[9] !== undefined) narrow('min', bound(g[9], g[10]!, lowerInclusive(g[8])));
    else if (g[13] !== undefined) narrow('min', bound(g[13], g[14]!, lowerInclusive(g[12])));
    else if (g[16] !== undefined) narrow('max', bound(g[16], g[17]!, upperInclusive(g[15], undefined)));
    else if (g[18] !== undefined) narrow('max', bound(g[18], g[19]!, upperInclusive(undefined, g[20])));
  }
  return found;
}

/**
 * The age range a basis or limit text states, or undefined when it states none. A text that lists alternatives
 * (限：1.1岁至14岁儿童哮喘；2.2岁至14岁儿童鼻炎) allows any of them: the range runs from the lowest minimum to the
 * highest maximum, and an alternative that names no age leaves that side open (限：1.50岁以上的AMD；2.DME → none).
 */
export function readStatedAge(text: string): StatedAge | undefined {
  if (!/\d/.test(text)) return undefined;
  const items = text
    .replace(LIST_MARKER, '$1\n')
    .split(/[\n；;]/)
    // "限：" before the first item and "。" after the last are no alternatives of their own.
    .filter((s) => s.replace(/[限：:。.，,\s]/g, '') !== '');
  const read = items.map(readItem);
  if (read.every((r) => r === undefined)) return undefined;
  let min: AgeBound | undefined;
  let max: AgeBound | undefined;
  let openLow = false;
  let openHigh = false;
  for (const r of read) {
    if (!r?.min) openLow = true;
    else if (!min || approxDays(r.min) < approxDays(min)) min = r.min;
    if (!r?.max) openHigh = true;
    else if (!max || approxDays(r.max) > approxDays(max)) max = r.max;
  }
  const stated: StatedAge = {};
  if (!openLow && min) stated.min = min;
  if (!openHigh && max) stated.max = max;
  return stated.min || stated.max ? stated : undefined;
}
