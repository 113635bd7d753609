// SPEC §2: data_as_of, buyers and their first orders, first visits,
// acquisition sources, cohorts and dense lifetimes.
import type { Cost, EventRow, Order, ReferenceSettings, Staged, Visit } from "./staging.ts";
import { addPeriods, compareText, dayOf, type Grain, periodStart, periodsBetween } from "./time.ts";

export const unknown = "(unknown)";

export interface Buyer {
  readonly userId: string;
  /** Staged orders by created_at, then order_id as text. */
  readonly orders: readonly Order[];
  /** Smallest created_at, ties smallest order_id. */
  readonly first: Order;
  readonly lastOrderAt: number;
  readonly revenueTotal: number;
  /** source_id of the first visit, `(unknown)` without a visit or source. */
  readonly acquisitionSource: string;
  readonly firstVisit: Visit | null;
}

/** Everything the marts share. */
export interface Model {
  readonly settings: ReferenceSettings;
  readonly visits: readonly Visit[];
  readonly orders: readonly Order[];
  readonly costs: readonly Cost[];
  readonly events: ReadonlyMap<string, EventRow>;
  /** Date of the latest session_start or created_at among staged rows; null without any. */
  readonly asOfDay: number | null;
  /** Buyers by user id, in user-id order. */
  readonly buyers: ReadonlyMap<string, Buyer>;
  /** Every user's first visit: smallest session_start, ties smallest source_id, missing last. */
  readonly firstVisits: ReadonlyMap<string, Visit>;
}

function compareOrders(a: Order, b: Order): number {
  return a.createdAt - b.createdAt || compareText(a.orderId, b.orderId);
}

/** Visit a comes before b as a first visit. */
function visitBefore(a: Visit, b: Visit): boolean {
  if (a.start !== b.start) return a.start < b.start;
  if (a.sourceId === b.sourceId) return false;
  if (a.sourceId === null) return false;
  if (b.sourceId === null) return true;
  return compareText(a.sourceId, b.sourceId) < 0;
}

export function buildModel(staged: Staged, settings: ReferenceSettings): Model {
  const visits = staged.visits.staged;
  const orders = staged.orders.staged;
  let latest: number | null = null;
  for (const visit of visits) if (latest === null || visit.start > latest) latest = visit.start;
  for (const order of orders)
    if (latest === null || order.createdAt > latest) latest = order.createdAt;

  const firstVisits = new Map<string, Visit>();
  for (const visit of visits) {
    const current = firstVisits.get(visit.userId);
    if (current === undefined || visitBefore(visit, current)) firstVisits.set(visit.userId, visit);
  }

  const ordersByUser = new Map<string, Order[]>();
  for (const order of orders) {
    const list = ordersByUser.get(order.userId) ?? [];
    list.push(order);
    ordersByUser.set(order.userId, list);
  }
  const buyers = new Map<string, Buyer>();
  for (const userId of [...ordersByUser.keys()].sort(compareText)) {
    const list = (ordersByUser.get(userId) as Order[]).sort(compareOrders);
    const first = list[0] as Order;
    const firstVisit = firstVisits.get(userId) ?? null;
    buyers.set(userId, {
      userId,
      orders: list,
      first,
      lastOrderAt: Math.max(...list.map((order) => order.createdAt)),
      revenueTotal: list.reduce((sum, order) => sum + order.revenue, 0),
      acquisitionSource: firstVisit?.sourceId ?? unknown,
      firstVisit,
    });
  }

  return {
    settings,
    visits,
    orders,
    costs: staged.costs.staged,
    events: new Map(staged.events.staged.map((event) => [event.eventId, event])),
    asOfDay: latest === null ? null : dayOf(latest),
    buyers,
    firstVisits,
  };
}

/** Cohort starts of every member: buyer cohorts from first orders. */
export function buyerCohorts(model: Model, grain: Grain): Map<string, number> {
  const cohorts = new Map<string, number>();
  for (const buyer of model.buyers.values())
    cohorts.set(buyer.userId, periodStart(dayOf(buyer.first.createdAt), grain));
  return cohorts;
}

/** Cohort starts of every visitor, from first visits. */
export function visitorCohorts(model: Model, grain: Grain): Map<string, number> {
  const cohorts = new Map<string, number>();
  for (const [userId, visit] of model.firstVisits)
    cohorts.set(userId, periodStart(dayOf(visit.start), grain));
  return cohorts;
}

/** Lifetimes 0..K of a cohort: every lifetime whose period has begun by as_of_date. */
export function lifetimesOf(model: Model, cohortStart: number, grain: Grain): number[] {
  if (model.asOfDay === null) return [];
  const last = periodsBetween(cohortStart, periodStart(model.asOfDay, grain), grain);
  const lifetimes: number[] = [];
  for (let k = 0; k <= last; k++) {
    if (addPeriods(cohortStart, k, grain) > model.asOfDay) break;
    lifetimes.push(k);
  }
  return lifetimes;
}

/** Lifetime of an activity on `day` for a cohort starting `cohortStart`. */
export function lifetimeOf(cohortStart: number, day: number, grain: Grain): number {
  return periodsBetween(cohortStart, periodStart(day, grain), grain);
}
