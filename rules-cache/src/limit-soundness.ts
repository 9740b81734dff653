import type { AgeBound, Limit } from '@prealert/core';

/**
 * Figures that are finite and below every ceiling (limit-figures.ts) but make a limit mean nothing, typed by hand in a
 * hospital's CSV: a count of 0 (`0/日`) flags every prescription of the code, a "never" that a quantity limit has no
 * sensible reading of (a HIS that means never has other kinds of limit); a period of 0 days or hours
 * (`1/0天`, `0小时`) is no period at all; an age range whose lower bound is above its upper (`[60,16]`) holds no
 * patient, so every patient is out of it. They imported silently and the person who typed them never learnt why
 * the row did nothing, or warned on everything. A 0 minimum age (`[0,14]`, 出生后) is a real bound and stays.
 */

/** The report for a 0 in each field that counts or spans something (a 0 minimum age is not one). */
const ZERO: Readonly<Record<string, string>> = {
  qty: '数量为 0：限量应大于 0（为 0 时每次开立都会提示）',
  days: '天数为 0：应至少 1 天',
  months: '月数为 0：应至少 1 个月',
};

const UNIT_TEXT: Readonly<Record<AgeBound['unit'], string>> = { year: '岁', month: '个月', day: '天' };

function ageText(bound: AgeBound): string {
  return `${bound.value}${UNIT_TEXT[bound.unit]}${bound.inclusive ? '' : '（不含）'}`;
}

/**
 * A bound in months for ordering: exact for years and months; days only roughly, so a day bound is taken as inverted
 * against a year or month bound only when it is more than a month off (出生28天至1岁 is no slip).
 */
function scaled(bound: AgeBound): { value: number; exact: boolean } {
  if (bound.unit === 'year') return { value: bound.value * 12, exact: true };
  if (bound.unit === 'month') return { value: bound.value, exact: true };
  return { value: bound.value / 30.44, exact: false };
}

/** Why a stated age range holds no age, or undefined when some age is in it. */
function ageRangeProblem(min: AgeBound | undefined, max: AgeBound | undefined): string | undefined {
  if (max && max.value === 0 && !max.inclusive) return `年龄上限 ${ageText(max)} 以下没有任何年龄`;
  if (!min || !max) return undefined;
  const low = scaled(min);
  const high = scaled(max);
  const exact = low.exact === high.exact;
  if (low.value > high.value + (exact ? 0 : 1))
    return `年龄下限 ${ageText(min)} 高于上限 ${ageText(max)}：范围内没有任何年龄`;
  if (exact && low.value === high.value && (!min.inclusive || !max.inclusive))
    return `年龄下限 ${ageText(min)} 与上限 ${ageText(max)} 之间没有任何年龄`;
  return undefined;
}

/** Why one limit can never apply as meant, or undefined. */
function limitProblem(limit: Limit): string | undefined {
  switch (limit.kind) {
    case 'max_qty_per_period':
      return limit.qty === 0 ? ZERO.qty : undefined;
    case 'max_qty_per_n_days':
      return limit.qty === 0 ? ZERO.qty : limit.days === 0 ? ZERO.days : undefined;
    case 'max_pay_days':
      return limit.days === 0 ? ZERO.days : limit.months === 0 ? ZERO.months : undefined;
    case 'time_window':
      // A visit window carries hours 0 by design; only "N小时" is a count of hours.
      return limit.window === 'hours' && limit.hours === 0 ? '小时数为 0：时间窗应至少 1 小时' : undefined;
    case 'age_range':
      if ('range' in limit) return undefined;
      return limit.minYears > limit.maxYears
        ? `年龄下限 ${limit.minYears} 高于上限 ${limit.maxYears}：范围内没有任何年龄`
        : undefined;
    case 'age_group':
      return ageRangeProblem(limit.min, limit.max);
    default:
      return undefined;
  }
}

/** The first limit of `limits` that can never apply as meant, described for the report, or undefined. */
export function limitSoundnessProblem(limits: readonly Limit[]): string | undefined {
  for (const limit of limits) {
    const problem = limitProblem(limit);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
