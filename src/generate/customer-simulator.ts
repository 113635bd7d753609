import type { BgNbdParams } from "../clv/types.ts";
import { drawRepeatPurchaseTimes } from "./bgnbd-process.ts";
import type { DayBuckets } from "./day-buckets.ts";
import type { EventCatalogue } from "./event-catalogue.ts";
import { Random } from "./random.ts";
import { referenceData } from "./reference-data.ts";
import { WeightedTable } from "./weighted-table.ts";

const secondsPerDay = 86_400;

/** Positions of the numbers of one session record in the visits buckets. */
export const visitField = { user: 0, start: 1, end: 2, device: 3, source: 4, hasOrder: 5 } as const;
/** Numbers per session record. */
export const visitStride = 6;

/** Positions of the numbers of one order record in the orders buckets. */
export const orderField = {
  user: 0,
  createdAt: 1,
  revenueRub: 2,
  tickets: 3,
  service: 4,
  event: 5,
  /** Index into `referenceData.devices`, or -1 for none. */
  device: 6,
  /** Index into `currencies`. */
  currency: 7,
  /** 1 when the customer has sessions, 0 for a buyer who never visits. */
  hasVisits: 8,
} as const;
/** Numbers per order record. */
export const orderStride = 9;

/** Currencies orders are placed in; index 0 is the base currency. */
export const currencies = ["RUB", "USD", "EUR"] as const;

/** Seed stream of each customer's own generator (the customer number is the second part). */
export const customerStream = 1;

/**
 * How visitors behave. The numbers are tuned so that, over 120 days, a
 * visitor has about 3 sessions, about 12% of visitors buy, and 300k visitors
 * make about 1M raw rows.
 */
const behaviour = {
  touchShare: 0.58,
  ownDeviceShare: 0.85,
  firstVisitWithoutSource: 0.04,
  returnVisitSameSource: 0.55,
  returnVisitOtherSource: 0.25,
  // Gamma-distributed return rate per day: most visitors rarely come back, a few often.
  returnRateShape: 0.55,
  returnRateScaleDays: 0.16,
  stopAfterSession: 0.14,
  buyerShare: 0.12,
  firstOrderInFirstSession: 0.6,
  foreignCurrencyShare: 0.04,
  usdShareOfForeign: 0.65,
  zeroRevenueShare: 0.003,
  preferredServiceShare: 0.7,
  ticketWeights: [0.38, 0.32, 0.12, 0.1, 0.04, 0.04],
  // Relative traffic by hour of day: quiet nights, lunch and evening peaks.
  hourWeights: [
    0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.6, 1.2, 1.8, 2.2, 2.5, 2.7, 2.9, 2.9, 2.8, 2.7, 2.8, 3.0,
    3.3, 3.6, 3.7, 3.3, 2.4, 1.3,
  ],
} as const;

const sourceTable = new WeightedTable(referenceData.adSources.map((source) => source.share));
const serviceTable = new WeightedTable(
  referenceData.ticketServices.map((service) => service.weight),
);
const hourTable = new WeightedTable(behaviour.hourWeights);
const ticketTable = new WeightedTable(behaviour.ticketWeights);

/** What the simulator needs to know about the run. */
export interface SimulationContext {
  readonly seed: number;
  readonly days: number;
  readonly bgnbd: BgNbdParams;
  readonly catalogue: EventCatalogue;
  readonly visits: DayBuckets;
  readonly orders: DayBuckets;
}

/** What stays fixed about a customer across their sessions and orders. */
interface Profile {
  readonly random: Random;
  readonly customer: number;
  readonly withVisits: boolean;
  readonly primaryDevice: number;
  readonly acquisitionSource: number;
  readonly spendLevel: number;
  readonly currency: number;
  readonly preferredService: number;
}

interface Session {
  start: number;
  end: number;
  device: number;
  source: number;
  hasOrder: boolean;
}

/**
 * Simulates the whole life of one customer from `arrivalDay` to the end of
 * the period and files their sessions and orders under the days they happen.
 * Each customer draws from their own seeded stream, so adding a customer never
 * shifts another's draws. A customer without visits is a buyer who orders by
 * phone or at a box office: orders only, no device.
 */
export function simulateCustomer(
  context: SimulationContext,
  customer: number,
  arrivalDay: number,
  withVisits: boolean,
): void {
  const random = new Random(context.seed, customerStream, customer);
  const periodEnd = context.days * secondsPerDay;
  const profile: Profile = {
    random,
    customer,
    withVisits,
    primaryDevice: random.chance(behaviour.touchShare) ? 1 : 0,
    acquisitionSource: sourceTable.draw(random) + 1,
    spendLevel: random.logNormal(0, 0.35),
    currency: random.chance(behaviour.foreignCurrencyShare)
      ? random.chance(behaviour.usdShareOfForeign)
        ? 1
        : 2
      : 0,
    preferredService: serviceTable.draw(random),
  };
  const isBuyer = !withVisits || random.chance(behaviour.buyerShare);

  const sessions: Session[] = [];
  if (withVisits) {
    let start = arrivalDay * secondsPerDay + timeOfDay(random);
    let end = start + sessionSeconds(random);
    const firstSource = random.chance(behaviour.firstVisitWithoutSource)
      ? 0
      : profile.acquisitionSource;
    sessions.push({
      start,
      end,
      device: sessionDevice(profile),
      source: firstSource,
      hasOrder: false,
    });
    const returnRate = random.gamma(behaviour.returnRateShape, behaviour.returnRateScaleDays);
    while (!random.chance(behaviour.stopAfterSession)) {
      const day = Math.floor(start / secondsPerDay);
      const nextDay = Math.floor(start / secondsPerDay + random.exponential(returnRate));
      start =
        nextDay === day
          ? end + random.int(300, 10_800)
          : nextDay * secondsPerDay + timeOfDay(random);
      if (start >= periodEnd) break;
      end = start + sessionSeconds(random);
      sessions.push({
        start,
        end,
        device: sessionDevice(profile),
        source: returnSource(profile),
        hasOrder: false,
      });
    }
  }

  if (isBuyer) {
    let firstOrderAt: number;
    let firstDevice = -1;
    const firstSession =
      sessions.length <= 1 || random.chance(behaviour.firstOrderInFirstSession)
        ? sessions[0]
        : sessions[random.int(1, sessions.length - 1)];
    if (firstSession) {
      firstOrderAt = placeOrderInSession(random, firstSession);
      firstDevice = firstSession.device;
    } else {
      firstOrderAt = arrivalDay * secondsPerDay + timeOfDay(random);
    }
    recordOrder(context, profile, firstOrderAt, firstDevice);

    const tenureDays = (periodEnd - 1 - firstOrderAt) / secondsPerDay;
    for (const offset of drawRepeatPurchaseTimes(random, context.bgnbd, tenureDays)) {
      const createdAt = firstOrderAt + Math.round(offset * secondsPerDay);
      if (createdAt >= periodEnd) continue;
      let device = -1;
      if (withVisits) {
        // The order needs a session of its own that day: a visit that ends in the purchase.
        const dayStart = Math.floor(createdAt / secondsPerDay) * secondsPerDay;
        const session: Session = {
          start: Math.max(dayStart, createdAt - random.int(60, 1500)),
          end: createdAt + random.int(20, 600),
          device: sessionDevice(profile),
          source: returnSource(profile),
          hasOrder: true,
        };
        sessions.push(session);
        device = session.device;
      }
      recordOrder(context, profile, createdAt, device);
    }
  }

  // Two sessions equal in start and end would be one session after staging's dedupe;
  // lengthening the later one by a second keeps every order inside its session.
  sessions.sort((x, y) => x.start - y.start || x.end - y.end);
  let previous: Session | undefined;
  for (const session of sessions) {
    if (previous && session.start === previous.start && session.end <= previous.end) {
      session.end = previous.end + 1;
    }
    previous = session;
    context.visits.push(Math.floor(session.start / secondsPerDay), [
      customer,
      session.start,
      session.end,
      session.device,
      session.source,
      session.hasOrder ? 1 : 0,
    ]);
  }
}

// Module-level helpers rather than closures per customer: creating millions of named
// closures is measurably slow under tsx, which names every function it compiles.

function sessionDevice(profile: Profile): number {
  return profile.random.chance(behaviour.ownDeviceShare)
    ? profile.primaryDevice
    : 1 - profile.primaryDevice;
}

/** A return visit comes through the acquiring source, another ad source, or none (direct). */
function returnSource(profile: Profile): number {
  const u = profile.random.next();
  if (u < behaviour.returnVisitSameSource) return profile.acquisitionSource;
  if (u < behaviour.returnVisitSameSource + behaviour.returnVisitOtherSource) {
    return sourceTable.draw(profile.random) + 1;
  }
  return 0;
}

function timeOfDay(random: Random): number {
  return hourTable.draw(random) * 3600 + random.int(0, 3599);
}

function recordOrder(
  context: SimulationContext,
  profile: Profile,
  createdAt: number,
  device: number,
): void {
  const { random } = profile;
  const day = Math.floor(createdAt / secondsPerDay);
  const event = context.catalogue.pick(random, day);
  const tickets = ticketTable.draw(random) + 1;
  const service = random.chance(behaviour.preferredServiceShare)
    ? profile.preferredService
    : serviceTable.draw(random);
  const ticketPrice = context.catalogue.events[event]?.ticketPrice ?? 0;
  const revenue = random.chance(behaviour.zeroRevenueShare)
    ? 0
    : ticketPrice * tickets * profile.spendLevel * random.logNormal(0, 0.1);
  context.orders.push(day, [
    profile.customer,
    createdAt,
    revenue,
    tickets,
    service,
    event,
    device,
    profile.currency,
    profile.withVisits ? 1 : 0,
  ]);
}

/** Session length in whole seconds: log-normal, median 4 minutes, from 5 s to an hour. */
function sessionSeconds(random: Random): number {
  return Math.min(3600, Math.max(5, Math.round(random.logNormal(Math.log(240), 1.1))));
}

/**
 * Turns a session into one that ends in a purchase and returns the order's
 * time: the session is long enough to buy in, and starts early enough that the
 * order falls on the session's own day.
 */
function placeOrderInSession(random: Random, session: Session): number {
  const dayStart = Math.floor(session.start / secondsPerDay) * secondsPerDay;
  session.start = Math.min(session.start, dayStart + secondsPerDay - 900);
  const purchaseSeconds = Math.min(
    3600,
    Math.max(180, Math.round(random.logNormal(Math.log(600), 0.6))),
  );
  session.end = Math.max(session.end, session.start + purchaseSeconds);
  session.hasOrder = true;
  const latest = Math.min(session.end, dayStart + secondsPerDay - 1);
  return session.start + 30 + Math.floor(random.next() * (latest - session.start - 30));
}
