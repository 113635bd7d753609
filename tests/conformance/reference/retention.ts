// mart_retention: visitor cohorts active by sessions, buyer cohorts active by orders (SPEC §3).
import type { MartRow } from "./columns.ts";
import {
  buyerCohorts,
  lifetimeOf,
  lifetimesOf,
  type Model,
  visitorCohorts,
} from "./definitions.ts";
import { dayOf, formatDate, type Grain } from "./time.ts";

const grains: readonly Grain[] = ["week", "month"];

function cohortRows(
  model: Model,
  basis: string,
  grain: Grain,
  cohorts: Map<string, number>,
  activities: readonly { readonly userId: string; readonly day: number }[],
): MartRow[] {
  const sizes = new Map<number, number>();
  for (const start of cohorts.values()) sizes.set(start, (sizes.get(start) ?? 0) + 1);
  const active = new Map<string, Set<string>>();
  for (const { userId, day } of activities) {
    const start = cohorts.get(userId);
    if (start === undefined) continue;
    const cell = `${start}:${lifetimeOf(start, day, grain)}`;
    const users = active.get(cell) ?? new Set<string>();
    users.add(userId);
    active.set(cell, users);
  }
  const rows: MartRow[] = [];
  for (const start of [...sizes.keys()].sort((a, b) => a - b)) {
    const size = sizes.get(start) as number;
    for (const lifetime of lifetimesOf(model, start, grain)) {
      const users = active.get(`${start}:${lifetime}`)?.size ?? 0;
      rows.push({
        basis,
        grain,
        cohort_start: formatDate(start),
        lifetime,
        cohort_size: size,
        active_users: users,
        retention_rate: users / size,
      });
    }
  }
  return rows;
}

export function retention(model: Model): MartRow[] {
  const sessions = model.visits.map((v) => ({ userId: v.userId, day: dayOf(v.start) }));
  const purchases = model.orders.map((o) => ({ userId: o.userId, day: dayOf(o.createdAt) }));
  return [
    ...grains.flatMap((grain) =>
      cohortRows(model, "visits", grain, visitorCohorts(model, grain), sessions),
    ),
    ...grains.flatMap((grain) =>
      cohortRows(model, "orders", grain, buyerCohorts(model, grain), purchases),
    ),
  ];
}
