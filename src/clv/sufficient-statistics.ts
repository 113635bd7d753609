/**
 * Per-customer sufficient statistics of the CLV models from raw purchases.
 * Production computes them in SQL; this reference version serves the tests
 * and checks that SQL.
 */

/** One order: who, on which day (a day number such as days since 1970-01-01), for how much. */
export interface Purchase {
  readonly customerId: string;
  readonly day: number;
  readonly revenue: number;
}

/** Sufficient statistics of one customer, times in the requested unit. */
export interface CustomerStatistics {
  readonly customerId: string;
  /** Distinct purchase days − 1. */
  readonly frequency: number;
  /** Last purchase day − first. */
  readonly recency: number;
  /** As-of day − first purchase day. */
  readonly tenure: number;
  /** Mean revenue of the repeat purchase days (a day's revenue = sum of its orders); 0 when frequency is 0. */
  readonly monetary: number;
}

/** Options of `sufficientStatistics`. */
export interface SufficientStatisticsOptions {
  /** Days per time unit of recency and tenure (7 for weeks; default 1). */
  readonly timeUnitDays?: number;
}

/**
 * Computes frequency, recency, tenure and monetary value per customer from
 * purchases up to and including `asOfDay` (later ones are ignored: that is the
 * calibration cut-off). Orders on the same day are one purchase (fractional
 * days are floored to their day). Customers come out in first-seen order.
 *
 * @example
 * sufficientStatistics([{ customerId: "1", day: 0, revenue: 10 }, { customerId: "1", day: 7, revenue: 5 }], 14);
 * // [{ customerId: "1", frequency: 1, recency: 7, tenure: 14, monetary: 5 }]
 */
export function sufficientStatistics(
  purchases: Iterable<Purchase>,
  asOfDay: number,
  options: SufficientStatisticsOptions = {},
): CustomerStatistics[] {
  const unit = options.timeUnitDays ?? 1;
  const byCustomer = new Map<string, Map<number, number>>();
  for (const purchase of purchases) {
    const day = Math.floor(purchase.day);
    if (day > asOfDay) continue;
    let days = byCustomer.get(purchase.customerId);
    if (!days) {
      days = new Map();
      byCustomer.set(purchase.customerId, days);
    }
    days.set(day, (days.get(day) ?? 0) + purchase.revenue);
  }
  const statistics: CustomerStatistics[] = [];
  for (const [customerId, days] of byCustomer) {
    const sorted = [...days.keys()].sort((u, v) => u - v);
    const first = sorted[0] as number;
    const last = sorted[sorted.length - 1] as number;
    let repeatRevenue = 0;
    for (const day of sorted.slice(1)) repeatRevenue += days.get(day) as number;
    const frequency = sorted.length - 1;
    statistics.push({
      customerId,
      frequency,
      recency: (last - first) / unit,
      tenure: (asOfDay - first) / unit,
      monetary: frequency > 0 ? repeatRevenue / frequency : 0,
    });
  }
  return statistics;
}

/**
 * Day number (days since 1970-01-01) of a calendar date given as `YYYY-MM-DD`
 * or `YYYYMMDD`.
 *
 * @example
 * dayNumber("1997-01-01"); // 9862
 */
export function dayNumber(date: string): number {
  const digits = date.replaceAll("-", "");
  const year = Number(digits.slice(0, 4));
  const month = Number(digits.slice(4, 6));
  const day = Number(digits.slice(6, 8));
  return Date.UTC(year, month - 1, day) / 86_400_000;
}
