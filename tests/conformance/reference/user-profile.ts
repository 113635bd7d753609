// mart_user_profile: one row per buyer (SPEC §3).
import type { MartRow } from "./columns.ts";
import type { Buyer, Model } from "./definitions.ts";
import { dayOf, daysBetween, isoWeekday } from "./time.ts";

export function orderCountSegment(count: number): string {
  if (count >= 5) return "5+";
  if (count >= 2) return "2-4";
  return "1";
}

/** days_since_last_order = as_of_date − date of the last order. */
export function daysSinceLastOrder(model: Model, buyer: Buyer): number {
  return (model.asOfDay as number) - dayOf(buyer.lastOrderAt);
}

/** (first_order_at − first_visit_at) in fractional minutes; null without a visit (SPEC §3). */
export function minutesToFirstOrder(buyer: Buyer): number | null {
  if (buyer.firstVisit === null) return null;
  return (buyer.first.createdAt - buyer.firstVisit.start) / 60_000_000;
}

export function userProfile(model: Model): MartRow[] {
  return [...model.buyers.values()].map((buyer) => {
    const count = buyer.orders.length;
    const tickets = buyer.orders
      .map((order) => order.ticketsCount)
      .filter((value): value is number => value !== null);
    const event = buyer.first.eventId === null ? undefined : model.events.get(buyer.first.eventId);
    return {
      user_id: buyer.userId,
      first_order_at: buyer.first.createdAt,
      last_order_at: buyer.lastOrderAt,
      orders_count: count,
      revenue_total: buyer.revenueTotal,
      avg_order_revenue: buyer.revenueTotal / count,
      avg_tickets_per_order:
        tickets.length === 0 ? null : tickets.reduce((a, b) => a + b, 0) / tickets.length,
      avg_days_between_orders:
        count === 1 ? null : daysBetween(buyer.first.createdAt, buyer.lastOrderAt) / (count - 1),
      first_order_device: buyer.first.device,
      first_order_region: event?.region ?? null,
      first_order_service: buyer.first.service,
      first_order_event_type: event?.eventType ?? null,
      first_order_weekday: isoWeekday(dayOf(buyer.first.createdAt)),
      acquisition_source_id: buyer.acquisitionSource,
      first_visit_at: buyer.firstVisit?.start ?? null,
      order_count_segment: orderCountSegment(count),
      is_returning: count >= 2,
      is_frequent: count >= 5,
      days_since_last_order: daysSinceLastOrder(model, buyer),
      minutes_to_first_order: minutesToFirstOrder(buyer),
    };
  });
}
