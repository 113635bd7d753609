// mart_return_rates: buyers grouped by an attribute of their first order (SPEC §3).
import type { MartRow } from "./columns.ts";
import { type Buyer, type Model, unknown } from "./definitions.ts";
import { compareText, dayOf, isoWeekday } from "./time.ts";

const dimensions: readonly [string, (model: Model, buyer: Buyer) => string | null][] = [
  ["event_type", (model, buyer) => eventOf(model, buyer)?.eventType ?? null],
  ["device", (_, buyer) => buyer.first.device],
  ["region", (model, buyer) => eventOf(model, buyer)?.region ?? null],
  ["service", (_, buyer) => buyer.first.service],
  ["weekday", (_, buyer) => String(isoWeekday(dayOf(buyer.first.createdAt)))],
  ["acquisition_source", (_, buyer) => buyer.acquisitionSource],
];

function eventOf(model: Model, buyer: Buyer) {
  return buyer.first.eventId === null ? undefined : model.events.get(buyer.first.eventId);
}

/** z of a two-sided 95 % interval (SPEC §3). */
const z = 1.959963984540054;

/** The 95 % Wilson score interval of a rate p over n trials, clamped to [0, 1]. */
export function wilson(
  p: number,
  n: number,
): { return_rate_ci_low: number; return_rate_ci_high: number } {
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  const clamp = (value: number) => Math.min(1, Math.max(0, value));
  return {
    return_rate_ci_low: clamp(centre - halfWidth),
    return_rate_ci_high: clamp(centre + halfWidth),
  };
}

export function returnRates(model: Model): MartRow[] {
  const all = model.buyers.size;
  const rows: MartRow[] = [];
  for (const [dimension, attribute] of dimensions) {
    const groups = new Map<string, { users: number; returning: number; frequent: number }>();
    for (const buyer of model.buyers.values()) {
      const value = attribute(model, buyer) ?? unknown;
      const group = groups.get(value) ?? { users: 0, returning: 0, frequent: 0 };
      group.users++;
      if (buyer.orders.length >= 2) group.returning++;
      if (buyer.orders.length >= 5) group.frequent++;
      groups.set(value, group);
    }
    for (const value of [...groups.keys()].sort(compareText)) {
      const group = groups.get(value) as { users: number; returning: number; frequent: number };
      rows.push({
        dimension,
        value,
        users: group.users,
        share_of_users: group.users / all,
        returning_users: group.returning,
        return_rate: group.returning / group.users,
        frequent_users: group.frequent,
        frequent_rate: group.frequent / group.users,
        ...wilson(group.returning / group.users, group.users),
      });
    }
  }
  return rows;
}
