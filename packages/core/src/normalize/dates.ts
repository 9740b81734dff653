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

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss" (also "yyyy-MM-ddTHH:mm:ss", optional ".SSS"), "yyyyMMdd" and
 * "yyyyMMddHHmmss". Returns undefined when the text is not a real date.
 */
export function parseLocalTime(text: string): LocalTime | undefined {
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
      if ((sep !== 32 && sep !== 84) || len < 16 || text.charCodeAt(13) !== 58) return undefined;
      hh = digits(text, 11, 2);
      mi = digits(text, 14, 2);
      if (len >= 19) {
        if (text.charCodeAt(16) !== 58) return undefined;
        ss = digits(text, 17, 2);
        if (len > 19 && text.charCodeAt(19) !== 46) return undefined;
      } else if (len !== 16) return undefined;
    }
  } else if ((len === 8 || len === 14) && digits(text, 0, len) >= 0) {
    year = digits(text, 0, 4);
    month = digits(text, 4, 2);
    dom = digits(text, 6, 2);
    if (len === 14) {
      hh = digits(text, 8, 2);
      mi = digits(text, 10, 2);
      ss = digits(text, 12, 2);
    }
  } else return undefined;
  if (year < 1800 || month < 1 || month > 12 || dom < 1 || dom > daysInMonth(year, month)) return undefined;
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60) return undefined;
  const day = daysFromCivil(year, month, dom);
  return { minutes: day * 1440 + hh * 60 + mi, day, year, month, dayOfMonth: dom };
}

/** The Shanghai wall-clock reading of an instant. */
export function localTimeOf(instant: Date): LocalTime {
  const shifted = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  const year = shifted.getUTCFullYear();
  const month = shifted.getUTCMonth() + 1;
  const dom = shifted.getUTCDate();
  const day = daysFromCivil(year, month, dom);
  return {
    minutes: day * 1440 + shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
    day,
    year,
    month,
    dayOfMonth: dom,
  };
}

/** Full years (周岁) between a birth date and a later date. */
export function fullYears(birth: LocalTime, at: LocalTime): number {
  let years = at.year - birth.year;
  if (at.month < birth.month || (at.month === birth.month && at.dayOfMonth < birth.dayOfMonth)) years--;
  return years;
}

/** yyyy-MM-dd of a day number, for messages. */
export function formatDay(day: number): string {
  const d = new Date(day * 86400000);
  return d.toISOString().slice(0, 10);
}
