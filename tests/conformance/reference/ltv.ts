// mart_ltv: buyer cohorts' orders, revenue and gross profit by lifetime (SPEC §3).
import type { MartRow } from "./columns.ts";
import { buyerCohorts, lifetimeOf, lifetimesOf, type Model } from "./definitions.ts";
import { dayOf, formatDate, type Grain } from "./time.ts";

const grains: readonly Grain[] = ["week", "month"];

export function ltv(model: Model): MartRow[] {
  const margin = model.settings.margin;
  const rows: MartRow[] = [];
  for (const grain of grains) {
    const cohorts = buyerCohorts(model, grain);
    const sizes = new Map<number, number>();
    for (const start of cohorts.values()) sizes.set(start, (sizes.get(start) ?? 0) + 1);
    const cells = new Map<string, { orders: number; revenue: number }>();
    for (const order of model.orders) {
      const start = cohorts.get(order.userId) as number;
      const cell = `${start}:${lifetimeOf(start, dayOf(order.createdAt), grain)}`;
      const sums = cells.get(cell) ?? { orders: 0, revenue: 0 };
      sums.orders++;
      sums.revenue += order.revenue;
      cells.set(cell, sums);
    }
    for (const start of [...sizes.keys()].sort((a, b) => a - b)) {
      const size = sizes.get(start) as number;
      let cumulative = 0;
      for (const lifetime of lifetimesOf(model, start, grain)) {
        const sums = cells.get(`${start}:${lifetime}`) ?? { orders: 0, revenue: 0 };
        const grossProfit = sums.revenue * margin;
        cumulative += grossProfit;
        rows.push({
          grain,
          cohort_start: formatDate(start),
          lifetime,
          cohort_size: size,
          orders: sums.orders,
          revenue: sums.revenue,
          gross_profit: grossProfit,
          cum_gross_profit: cumulative,
          ltv: cumulative / size,
        });
      }
    }
  }
  return rows;
}
