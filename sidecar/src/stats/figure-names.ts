import type { StatsDimension, StatsFilter } from './compliance-figures';
import { isPeriod, type PeriodSpan, rangeDays } from './periods';

/*
 * The one Chinese name of each figure, as the CSV and `prealert stats` head their columns (the demo's figures page,
 * examples/web-his/public/figures.js, uses the same words). A 医保办 reconciling the page with the exported sheet
 * must not have to guess that 待处理 on one is 未反馈人次 on the other.
 */

/** reminders, reminder_amount, complied, complied_amount, continued, pending, compliance_rate, in this order. */
export const FIGURE_HEADERS = [
  '提醒人次',
  '提醒金额',
  '遵从人次',
  '遵从金额',
  '继续执行人次',
  '未反馈人次',
  '遵从率',
] as const;

const DIMENSION_NAME = { rule: '规则', dept: '科室', doctor: '医生' } as const;

const PERIOD_NAME = { week: '周', month: '月份', quarter: '季度' } as const;

/**
 * The columns naming a row: by day the day alone (its key is its label); by week, month or quarter the period, the
 * first and last of its days the range covers, how many, and whether that is the whole period (a range rarely
 * starts on a Monday or the 1st: its first and last period hold only part of their days); otherwise the code and
 * the name.
 */
export function keyHeaders(by: StatsDimension): string[] {
  if (by === 'day') return ['日期'];
  if (isPeriod(by)) return [PERIOD_NAME[by], '首日', '末日', '天数', '整期'];
  return [`${DIMENSION_NAME[by]}编码`, by === 'doctor' ? '医生姓名' : `${DIMENSION_NAME[by]}名称`];
}

/** A period row's days, in keyHeaders' order after the period: 首日, 末日, 天数, 整期 (是, or 否 for a part). */
export function periodCells(row: Partial<PeriodSpan>): (string | number)[] {
  return [row.covered_from ?? '', row.covered_to ?? '', row.covered_days ?? '', row.partial ? '否' : '是'];
}

/** The same columns on the totals row: the range's days. */
export function rangeCells(from: string, to: string): (string | number)[] {
  return [from, to, rangeDays(from, to), ''];
}

/** Whose figures a filtered report holds ("医生 D0101"), or "" for the whole hospital's. */
export function filterText(filter: StatsFilter): string {
  return (['rule', 'dept', 'doctor'] as const)
    .filter((dimension) => filter[dimension] !== undefined)
    .map((dimension) => `${DIMENSION_NAME[dimension]} ${filter[dimension]}`)
    .join('，');
}

/** The totals row's label: 合计, or 合计（医生 D0101） so a filtered sheet's total does not read as the hospital's. */
export function totalsLabel(filter: StatsFilter): string {
  const whose = filterText(filter);
  return whose === '' ? '合计' : `合计（${whose}）`;
}
