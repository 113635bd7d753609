const secondsPerDay = 86_400;
const millisPerDay = 86_400_000;

/**
 * Maps day numbers and second offsets since the start date's midnight to the
 * date and timestamp text of SPEC §1. Times are local wall-clock times without
 * a zone, so all arithmetic is done in UTC where no day has 23 or 25 hours.
 */
export class Calendar {
  private readonly startMillis: number;
  private readonly dates: readonly string[];

  /** `startDate` is `YYYY-MM-DD`; `days` is how many day names to precompute. */
  constructor(startDate: string, days: number) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(startDate);
    const millis = match
      ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
      : Number.NaN;
    if (!match || new Date(millis).toISOString().slice(0, 10) !== startDate) {
      throw new RangeError(`start date must be a valid YYYY-MM-DD date, got "${startDate}"`);
    }
    this.startMillis = millis;
    this.dates = Array.from({ length: days + 1 }, (_, day) => this.computeDate(day));
  }

  /** `YYYY-MM-DD` of day number `day` (0 is the start date). */
  date(day: number): string {
    return this.dates[day] ?? this.computeDate(day);
  }

  /** ISO weekday of day number `day`: 1 = Monday … 7 = Sunday. */
  weekday(day: number): number {
    const weekday = new Date(this.startMillis + day * millisPerDay).getUTCDay();
    return weekday === 0 ? 7 : weekday;
  }

  /** `YYYY-MM-DD HH:MM:SS` of a whole number of seconds since the start date's midnight. */
  timestamp(seconds: number): string {
    const day = Math.floor(seconds / secondsPerDay);
    const ofDay = seconds - day * secondsPerDay;
    const minuteOfDay = Math.floor(ofDay / 60);
    return `${this.date(day)} ${hoursMinutes[minuteOfDay]}:${twoDigits[ofDay - minuteOfDay * 60]}`;
  }

  private computeDate(day: number): string {
    return new Date(this.startMillis + day * millisPerDay).toISOString().slice(0, 10);
  }
}

// Lookup tables: formatting tens of millions of timestamps digit by digit shows up in profiles.
const twoDigits: readonly string[] = Array.from({ length: 60 }, (_, value) =>
  String(value).padStart(2, "0"),
);
const hoursMinutes: readonly string[] = Array.from(
  { length: 1440 },
  (_, minute) => `${twoDigits[Math.floor(minute / 60)]}:${twoDigits[minute % 60]}`,
);
