// mart_conversion (SPEC §3): visitor cohorts by acquisition source and
// (all), how many of them bought, within 0/7/30 days of the first visit's
// date, and the median minutes from the first visit to the first order.
import { all } from "./cac.ts";
import type { MartRow } from "./columns.ts";
import { type Model, unknown } from "./definitions.ts";
import { compareText, dayOf, formatDate, type Grain, periodStart } from "./time.ts";

interface Visitor {
  readonly source: string;
  readonly firstVisitDay: number;
  /** Null for a visitor who never bought. */
  readonly firstOrderDay: number | null;
  readonly minutes: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function conversion(model: Model): MartRow[] {
  const visitors: Visitor[] = [];
  for (const [userId, visit] of model.firstVisits) {
    const buyer = model.buyers.get(userId);
    visitors.push({
      source: visit.sourceId ?? unknown,
      firstVisitDay: dayOf(visit.start),
      firstOrderDay: buyer === undefined ? null : dayOf(buyer.first.createdAt),
      minutes: buyer === undefined ? null : (buyer.first.createdAt - visit.start) / 60_000_000,
    });
  }
  const rows: MartRow[] = [];
  for (const grain of ["month", "week"] as const satisfies readonly Grain[]) {
    const cells = new Map<string, Visitor[]>();
    for (const visitor of visitors) {
      const start = periodStart(visitor.firstVisitDay, grain);
      for (const source of [visitor.source, all]) {
        const key = JSON.stringify([start, source]);
        const list = cells.get(key) ?? [];
        list.push(visitor);
        cells.set(key, list);
      }
    }
    const keys = [...cells.keys()].map((key) => JSON.parse(key) as [number, string]);
    keys.sort((a, b) => a[0] - b[0] || compareText(a[1], b[1]));
    for (const [start, source] of keys) {
      const members = cells.get(JSON.stringify([start, source])) as Visitor[];
      const buyers = members.filter((visitor) => visitor.firstOrderDay !== null);
      // An order before the first visit has a negative difference: day 0.
      const within = (days: number) =>
        buyers.filter((visitor) => (visitor.firstOrderDay as number) - visitor.firstVisitDay < days)
          .length;
      const n = members.length;
      rows.push({
        grain,
        cohort_start: formatDate(start),
        source_id: source,
        visitors: n,
        buyers: buyers.length,
        conversion_rate: buyers.length / n,
        buyers_day_0: within(1),
        buyers_day_7: within(7),
        buyers_day_30: within(30),
        conversion_day_0: within(1) / n,
        conversion_day_7: within(7) / n,
        conversion_day_30: within(30) / n,
        median_minutes_to_first_order: median(
          buyers.map((visitor) => visitor.minutes as number).filter((minutes) => minutes >= 0),
        ),
      });
    }
  }
  return rows;
}
