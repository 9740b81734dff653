import type { StatsDimension, StatsFilter } from './compliance-figures';

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

/** The columns naming a row: by day the day alone (its key is its label), otherwise the code and the name. */
export function keyHeaders(by: StatsDimension): string[] {
  return by === 'day'
    ? ['日期']
    : [`${DIMENSION_NAME[by]}编码`, by === 'doctor' ? '医生姓名' : `${DIMENSION_NAME[by]}名称`];
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
