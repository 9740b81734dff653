import type { AgeBound, Limit } from '@prealert/core';

/**
 * The largest figure a limit may hold, by the field it fills. Limit texts are typed by hand in a hospital's CSV: a
 * figure of 400 digits reads as Infinity, which has no JSON form (canonicalJson threw and `bundle build` printed a
 * stack trace), and one far past any real limit (1e20 天) is a slip that would reach every workstation. The ceilings
 * are far above the national figures (at most 365天, 24/小时, 1/15天, 6小时) and below anything absurd.
 */
const CEILINGS: Readonly<Record<string, { most: number; what: string }>> = {
  qty: { most: 100_000, what: '数量' },
  // A hundred years of days: 支付不超过一年 is 365.
  days: { most: 36_525, what: '天数' },
  // A leap year of hours.
  hours: { most: 8_784, what: '小时数' },
  months: { most: 1_200, what: '月数' },
  minYears: { most: 150, what: '年龄' },
  maxYears: { most: 150, what: '年龄' },
};

/** An age bound is compared in its own unit: 150 years, as months or days. */
const AGE_CEILINGS: Readonly<Record<AgeBound['unit'], number>> = { year: 150, month: 1_800, day: 54_788 };

/** At most this many characters of a cell are quoted in a message; a 400-digit figure would fill the report. */
const QUOTED_CHARS = 40;

/** A cell quoted in a message: whole when short, else its start, an ellipsis and its length. */
export function quotedCell(text: string): string {
  const chars = [...text];
  if (chars.length <= QUOTED_CHARS) return JSON.stringify(text);
  return `${JSON.stringify(`${chars.slice(0, QUOTED_CHARS - 8).join('')}…`)}（共 ${chars.length} 字）`;
}

function isAgeBound(value: object): value is AgeBound {
  return 'unit' in value && 'value' in value && typeof (value as AgeBound).value === 'number';
}

/** Why a figure is refused, or undefined when it is a usable one. */
function figureProblem(value: number, most: number | undefined, what: string): string | undefined {
  if (!Number.isFinite(value)) return `${what}不是有限的数字`;
  if (most !== undefined && Math.abs(value) > most) return `${what} ${value} 超出合理范围（不超过 ${most}）`;
  return undefined;
}

/**
 * The first figure of `limits` that is not finite or past its field's ceiling, described for the report, or
 * undefined. Every number of a limit is checked, so a field a later kind adds cannot carry Infinity into a bundle.
 */
export function limitFiguresProblem(limits: readonly Limit[]): string | undefined {
  const visit = (value: unknown, key: string): string | undefined => {
    if (typeof value === 'number') return figureProblem(value, CEILINGS[key]?.most, CEILINGS[key]?.what ?? key);
    if (typeof value !== 'object' || value === null) return undefined;
    if (isAgeBound(value)) return figureProblem(value.value, AGE_CEILINGS[value.unit], '年龄');
    for (const [k, v] of Object.entries(value)) {
      const problem = visit(v, Array.isArray(value) ? key : k);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  return visit(limits, '');
}
