/**
 * China's wall clock (Asia/Shanghai), whatever zone this browser is set to. The sidecar reads every date on the
 * national wire as Shanghai time and counts days by Shanghai's calendar, so a page in a browser outside UTC+8 (a
 * vendor's test machine, a CI runner in UTC) must not write or count dates by its own clock.
 */

const SHANGHAI = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** "yyyy-MM-dd HH:mm:ss" of the instant `date` on China's clock. */
export function chinaDateTime(date) {
  const parts = SHANGHAI.formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type)?.value ?? '00';
  // Engines that ignore hourCycle write midnight as 24.
  const hour = part('hour') === '24' ? '00' : part('hour');
  return `${part('year')}-${part('month')}-${part('day')} ${hour}:${part('minute')}:${part('second')}`;
}

/** "yyyy-MM-dd": China's calendar day at the instant `date`. */
export const chinaDay = (date) => chinaDateTime(date).slice(0, 10);

/** The calendar day `days` after (or before, when negative) the "yyyy-MM-dd" `day`. */
export function addDays(day, days) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/**
 * Today as the sidecar counts days, as a Date at this browser's midnight of that day (for date inputs and local
 * day arithmetic). Taken from the browser's own clock, a browser outside UTC+8 would end the figures' default range
 * a day early for eight hours of every day, leaving that day's reminders out.
 */
export function chinaToday() {
  return new Date(`${chinaDay(new Date())}T00:00:00`);
}
