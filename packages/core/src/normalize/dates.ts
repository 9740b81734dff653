/**
 * Dates on the wire are Asia/Shanghai wall-clock times ("yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd"). China has had no
 * daylight saving since 1991, so wall-clock minutes are a monotonic scale and calendar days need no time-zone library:
 * everything is kept as "local" minutes/days since 1970-01-01 00:00 Shanghai time.
 */

export interface LocalTime {
  /** Minutes since 1970-01-01 00:00 (Shanghai wall clock). */
  minutes: number;
  /** Calendar day number since 1970-01-01 (Shanghai). */
  day: number;
  year: number;
  month: number;
  dayOfMonth: number;
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Days from civil date (proleptic Gregorian), Howard Hinnant's algorithm: exact and allocation-free. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date of a day number (inverse of daysFromCivil). */
export function civilFromDays(day: number): { year: number; month: number; dayOfMonth: number } {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const dayOfMonth = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Minutes since 1970-01-01 00:00 (Shanghai wall clock) of "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss" (also with "T" and
 * ".SSS"), "yyyyMMdd" or "yyyyMMddHHmmss"; NaN when the text is not a real date. Allocation-free: it runs per line.
 */
export function parseLocalMinutes(text: string): number {
  let year: number;
  let month: number;
  let dom: number;
  let hh = 0;
  let mi = 0;
  let ss = 0;
  const len = text.length;
  if (len >= 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
    year = digits(text, 0, 4);
    month = digits(text, 5, 2);
    dom = digits(text, 8, 2);
    if (len > 10) {
      const sep = text.charCodeAt(10);
      if ((sep !== 32 && sep !== 84) || len < 16 || text.charCodeAt(13) !== 58) return Number.NaN;
      hh = digits(text, 11, 2);
      mi = digits(text, 14, 2);
      if (len >= 19) {
        if (text.charCodeAt(16) !== 58) return Number.NaN;
        ss = digits(text, 17, 2);
        // ".SSS" (1–3 digits) and nothing after: "…00.000Z" is UTC, 8 hours off the wall clock, and is refused.
        if (len > 19 && (text.charCodeAt(19) !== 46 || len > 23 || len === 20 || digits(text, 20, len - 20) < 0))
          return Number.NaN;
      } else if (len !== 16) return Number.NaN;
    }
  } else if ((len === 8 || len === 14) && digits(text, 0, 8) >= 0) {
    year = digits(text, 0, 4);
    month = digits(text, 4, 2);
    dom = digits(text, 6, 2);
    if (len === 14) {
      hh = digits(text, 8, 2);
      mi = digits(text, 10, 2);
      ss = digits(text, 12, 2);
    }
  } else return Number.NaN;
  if (year < 1800 || month < 1 || month > 12 || dom < 1 || dom > daysInMonth(year, month)) return Number.NaN;
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60) return Number.NaN;
  return daysFromCivil(year, month, dom) * 1440 + hh * 60 + mi;
}

/**
 * An optional date some HIS fill instead of leaving it empty, read as not sent: 9999-12-31 (an open end) and the MySQL
 * zero date 0000-00-00, each in a form parseLocalMinutes reads ("9999-12-31", "99991231", "0000-00-00 00:00:00",
 * "00000000000000", "9999-12-31T23:59:59.000") at any valid time of day ("9999-12-31 23:59:59" for a running order's
 * stop, "9999-12-31 00:00:00" for an inpatient's discharge). Blank (absent, "", spaces) is not sent as well. Anything
 * else after the sentinel ("9999-12-31garbage", "0000-00-00 0") is a malformed date, and so is a time alone
 * ("00:00:00"): errors naming the field, as any bad date. A required date gets no such reading: there a zero date is
 * an error naming its field. The one reading of both the envelope check (validate.ts dateError) and normalisation.
 */
export function isUnsentDate(raw: unknown): boolean {
  if (raw === undefined || raw === null) return true;
  if (typeof raw !== 'string' && typeof raw !== 'number') return false;
  const text = String(raw).trim();
  if (text === '') return true;
  const dashed = text.startsWith('9999-12-31') || text.startsWith('0000-00-00');
  if (!dashed && !text.startsWith('99991231') && !text.startsWith('00000000')) return false;
  // The sentinel stands in for a real date: what follows it must be a time the parser accepts after a date.
  const realDate = dashed ? '2000-01-01' : '20000101';
  return !Number.isNaN(parseLocalMinutes(realDate + text.slice(realDate.length)));
}

/** The calendar reading of wall-clock minutes. */
export function localTimeOfMinutes(minutes: number): LocalTime {
  const day = Math.floor(minutes / 1440);
  const civil = civilFromDays(day);
  return { minutes, day, year: civil.year, month: civil.month, dayOfMonth: civil.dayOfMonth };
}

/** Like parseLocalMinutes, with the calendar fields; undefined when the text is not a real date. */
export function parseLocalTime(text: string): LocalTime | undefined {
  const minutes = parseLocalMinutes(text);
  return Number.isNaN(minutes) ? undefined : localTimeOfMinutes(minutes);
}

/** The Shanghai wall-clock reading of an instant. */
export function localTimeOf(instant: Date): LocalTime {
  return localTimeOfMinutes(Math.floor((instant.getTime() + SHANGHAI_OFFSET_MS) / 60000));
}

/** Full years (周岁) between a birth date and a later day. */
export function fullYears(birth: LocalTime, day: number): number {
  const at = civilFromDays(day);
  let years = at.year - birth.year;
  if (at.month < birth.month || (at.month === birth.month && at.dayOfMonth < birth.dayOfMonth)) years--;
  return years;
}

/**
 * The day number `months` calendar months after `day`: the same date of the month, or the month's last day where it
 * has no such date (2026-01-31 + 1 month = 2026-02-28).
 */
export function addMonths(day: number, months: number): number {
  const c = civilFromDays(day);
  const index = c.year * 12 + (c.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return daysFromCivil(year, month, Math.min(c.dayOfMonth, daysInMonth(year, month)));
}

/** yyyy-MM-dd of a day number, for messages. */
export function formatDay(day: number): string {
  const c = civilFromDays(day);
  return `${c.year}-${String(c.month).padStart(2, '0')}-${String(c.dayOfMonth).padStart(2, '0')}`;
}
