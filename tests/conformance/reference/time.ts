// Calendar arithmetic for the reference implementation, on plain numbers:
// a timestamp is microseconds since 1970-01-01 00:00:00 (the local wall-clock
// time read as if it were UTC, so no zone ever shifts it), a date is a whole
// day number since 1970-01-01.

const microsPerDay = 86_400_000_000;

const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/** Microseconds of an ISO 8601 local timestamp (`2018-01-31 23:59:10.123456`, `T` accepted). */
export function parseTimestamp(text: string): number {
  const match = timestampPattern.exec(text);
  if (match === null) throw new Error(`not a timestamp: ${text}`);
  const [, y, mo, d, h, mi, s, fraction] = match;
  const millis = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
  );
  // Microsecond precision, like a TIMESTAMP: digits beyond the sixth are cut.
  const micros = fraction === undefined ? 0 : Number(fraction.padEnd(6, "0").slice(0, 6));
  return millis * 1000 + micros;
}

/** Day number of a `YYYY-MM-DD` date. */
export function parseDate(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) throw new Error(`not a date: ${text}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 86_400_000;
}

/** The date (day number) a timestamp falls on. */
export function dayOf(micros: number): number {
  return Math.floor(micros / microsPerDay);
}

/** Fractional days between two timestamps. */
export function daysBetween(from: number, to: number): number {
  return (to - from) / microsPerDay;
}

/** Fractional seconds between two timestamps. */
export function secondsBetween(from: number, to: number): number {
  return (to - from) / 1_000_000;
}

/** `YYYY-MM-DD` of a day number. */
export function formatDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** ISO weekday, 1 = Monday … 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Year × 12 + month − 1: consecutive months are consecutive numbers. */
export function monthIndex(day: number): number {
  const date = new Date(day * 86_400_000);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** First day of the month with the given month index. */
export function monthStartOfIndex(index: number): number {
  return Date.UTC(Math.floor(index / 12), index % 12, 1) / 86_400_000;
}

export type Grain = "day" | "week" | "month";

/** First day of the period of `grain` holding `day` (ISO weeks start on Monday). */
export function periodStart(day: number, grain: Grain): number {
  switch (grain) {
    case "day":
      return day;
    case "week":
      return day - (isoWeekday(day) - 1);
    case "month":
      return monthStartOfIndex(monthIndex(day));
  }
}

/** Whole periods from the period starting `cohortStart` to the one starting `start`. */
export function periodsBetween(cohortStart: number, start: number, grain: Grain): number {
  switch (grain) {
    case "day":
      return start - cohortStart;
    case "week":
      return (start - cohortStart) / 7;
    case "month":
      return monthIndex(start) - monthIndex(cohortStart);
  }
}

/** Start of the period `k` periods after the one starting `start`. */
export function addPeriods(start: number, k: number, grain: Grain): number {
  switch (grain) {
    case "day":
      return start + k;
    case "week":
      return start + 7 * k;
    case "month":
      return monthStartOfIndex(monthIndex(start) + k);
  }
}

/**
 * Text order as DuckDB compares VARCHAR: by Unicode code point (byte order of
 * UTF-8), which differs from JS `<` only for characters beyond the BMP.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const surrogates = /[\uD800-\uDFFF]/;
  if (!surrogates.test(a) && !surrogates.test(b)) return a < b ? -1 : 1;
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}
