import type { LineSpec } from './requests';

/** What some long-term orders carry besides code, rx_id, price and date. */
export type LongOrderExtras = Pick<LineSpec, 'cnt' | 'stop'>;

/** A long-term order (长期医嘱) of item `code` entered at `date`: the request's current line. */
export function currentLongOrder(
  code: string,
  rx_id: string,
  pric: number,
  date: string,
  extras: LongOrderExtras = {},
): LineSpec {
  return { code, rx_id, pric, long: true, date, ...extras };
}

/**
 * The same order sent again in a later request, though not its current line: it keeps counting on the days it runs,
 * to `stop` when one is given.
 */
export function earlierLongOrder(...order: Parameters<typeof currentLongOrder>): LineSpec {
  return { ...currentLongOrder(...order), current: false };
}
