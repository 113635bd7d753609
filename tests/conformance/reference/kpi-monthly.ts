// mart_kpi_monthly (SPEC §3): every month from the first to the last month
// holding staged orders, visits or costs.
import type { MartRow } from "./columns.ts";
import type { Model } from "./definitions.ts";
import { dayOf, formatDate, monthIndex, monthStartOfIndex } from "./time.ts";

export function kpiMonthly(model: Model): MartRow[] {
  const months = [
    ...model.orders.map((o) => monthIndex(dayOf(o.createdAt))),
    ...model.visits.map((v) => monthIndex(dayOf(v.start))),
    ...model.costs.map((c) => monthIndex(c.day)),
  ];
  if (months.length === 0) return [];
  const first = Math.min(...months);
  const last = Math.max(...months);
  const firstOrderMonth = new Map<string, number>();
  for (const buyer of model.buyers.values())
    firstOrderMonth.set(buyer.userId, monthIndex(dayOf(buyer.first.createdAt)));

  const rows: MartRow[] = [];
  for (let month = first; month <= last; month++) {
    const orders = model.orders.filter((o) => monthIndex(dayOf(o.createdAt)) === month);
    const buyers = new Set(orders.map((o) => o.userId));
    const newBuyers = [...firstOrderMonth.values()].filter((m) => m === month).length;
    const revenue = orders.reduce((sum, o) => sum + o.revenue, 0);
    const revenueNew = orders
      .filter((o) => firstOrderMonth.get(o.userId) === month)
      .reduce((sum, o) => sum + o.revenue, 0);
    const revenueReturning = orders
      .filter((o) => firstOrderMonth.get(o.userId) !== month)
      .reduce((sum, o) => sum + o.revenue, 0);
    const costs = model.costs
      .filter((c) => monthIndex(c.day) === month)
      .reduce((sum, c) => sum + c.costs, 0);
    rows.push({
      month: formatDate(monthStartOfIndex(month)),
      buyers: buyers.size,
      new_buyers: newBuyers,
      returning_buyers: buyers.size - newBuyers,
      orders: orders.length,
      revenue,
      avg_check: orders.length === 0 ? null : revenue / orders.length,
      orders_per_buyer: buyers.size === 0 ? null : orders.length / buyers.size,
      revenue_new_buyers: revenueNew,
      revenue_returning_buyers: revenueReturning,
      costs,
    });
  }
  return rows;
}
