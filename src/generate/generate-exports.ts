import type { BgNbdParams } from "../clv/types.ts";
import type { SourceName } from "../sources/built-in-sources.ts";
import { ConfigError } from "../util/errors.ts";
import { Calendar } from "./calendar.ts";
import { CsvBuilder } from "./csv-builder.ts";
import { csvLine } from "./csv-line.ts";
import {
  currencies,
  orderField,
  orderStride,
  type SimulationContext,
  simulateCustomer,
  visitField,
  visitStride,
} from "./customer-simulator.ts";
import { DayBuckets } from "./day-buckets.ts";
import { DirtPlan } from "./dirt-plan.ts";
import { EventCatalogue } from "./event-catalogue.ts";
import { Random } from "./random.ts";
import { referenceData } from "./reference-data.ts";
import { UserIdMapper } from "./user-id-mapper.ts";

/** What to generate: how many visitors, over how many days, from which seed. */
export interface GenerateOptions {
  /** Distinct visitors (user ids in `visits`); a few buyers without visits come on top. */
  readonly users: number;
  /** Days of exports, one object per source per day. */
  readonly days: number;
  /** Same seed and options give byte-identical objects. */
  readonly seed: number;
  /** First day, `YYYY-MM-DD`; default `2024-01-01`. */
  readonly startDate?: string;
  /** Repeat-purchase process; default `demoBgNbdParameters`. Lets a test check a fit end to end. */
  readonly bgnbd?: BgNbdParams;
}

/** The options with every default filled in. */
export type ResolvedGenerateOptions = Required<GenerateOptions>;

/** Where generated objects go; keys are relative to the raw prefix (`orders/dt=2024-01-01/part-000.csv`). */
export interface ExportSink {
  /** Stores one object; the generator awaits each write before the next, in a fixed order. */
  write(key: string, body: Buffer): Promise<void>;
}

/**
 * The BG/NBD parameters repeat purchases are drawn from by default (time in
 * days): a mean purchase rate of one per 40 days while alive, and a mean 25%
 * chance of dropping out after each repeat purchase.
 */
export const demoBgNbdParameters: BgNbdParams = { r: 0.75, alpha: 30, a: 0.9, b: 2.7 };

/**
 * The demo scale (`npm start`): 5,000 visitors over 180 days, 900 small
 * objects, generated in a fraction of a second.
 */
export const defaultGenerateOptions: ResolvedGenerateOptions = {
  users: 5000,
  days: 180,
  seed: 42,
  startDate: "2024-01-01",
  bgnbd: demoBgNbdParameters,
};

/** Rows of a source planted to break a staging rule, by the reason staging reports. */
export type QuarantineCounts = Readonly<Record<string, number>>;

/** The dirty rows and re-exports planted on purpose, as SPEC §1 staging must count them. */
export interface PlantedRows {
  /** Per source, rows staging must quarantine, by reason (`missing_<column>`, rule names). */
  readonly quarantined: Readonly<Record<SourceName, QuarantineCounts>>;
  /** Per source, rows that lose to a later copy with the same key. */
  readonly superseded: Readonly<Record<SourceName, number>>;
}

/** What one generation wrote, with the exact counts staging should reproduce. */
export interface GenerationSummary {
  readonly options: ResolvedGenerateOptions;
  readonly firstDate: string;
  readonly lastDate: string;
  readonly files: number;
  readonly bytes: number;
  /** Data rows written per source (headers not counted, every copy counted). */
  readonly rows: Readonly<Record<SourceName, number>>;
  /** Distinct user ids in `visits` (equals `options.users`). */
  readonly visitors: number;
  /** Distinct users with at least one order that staging keeps. */
  readonly buyers: number;
  /** Buyers (among `buyers`) who have no visit at all. */
  readonly buyersWithoutVisits: number;
  /** Distinct events exported. */
  readonly events: number;
  /** The parameters repeat purchases were drawn from. */
  readonly bgnbd: BgNbdParams;
  readonly planted: PlantedRows;
  /** rows − quarantined − superseded per source: the staged row counts SPEC §1 implies. */
  readonly expectedStaged: Readonly<Record<SourceName, number>>;
}

/** Header of each generated CSV, in SPEC §1 column order. */
export const exportHeaders: Readonly<Record<SourceName, readonly string[]>> = {
  visits: ["user_id", "session_start", "session_end", "device", "source_id"],
  orders: [
    "order_id",
    "user_id",
    "created_at",
    "revenue",
    "currency",
    "tickets_count",
    "service",
    "event_id",
    "device",
  ],
  events: ["event_id", "event_type", "region", "city"],
  costs: ["dt", "source_id", "costs"],
  fx_rates: ["dt", "currency", "rate"],
};

/** Within a day, dimensions go first so a reader that follows the write order meets events before orders. */
const writeOrder: readonly SourceName[] = ["events", "fx_rates", "costs", "visits", "orders"];

const firstOrderId = 10_000_000_001;

/** The default first day: a generation that starts here numbers its ids from the start. */
const seriesEpoch = "2024-01-01";

/**
 * Ids of one generation within the series of its seed. A later period
 * (`--start` after an earlier generation) must not reuse the ids of earlier
 * ones, or its rows would replace theirs: user numbers advance 2^28 per day of
 * the start date (more than the most visitors one generation may have), and
 * order and event ids carry the start day as a prefix. A generation from the
 * default start keeps the plain ids. Periods that overlap are not a series.
 */
class SeriesIds {
  readonly userOffset: number;
  readonly #prefix: string;

  constructor(startDate: string) {
    const startDay = Math.round(
      (Date.parse(`${startDate}T00:00:00Z`) - Date.parse(`${seriesEpoch}T00:00:00Z`)) / 86_400_000,
    );
    // A negative offset maps to the two's complement 64-bit number: still one id per user.
    this.userOffset = startDay * 2 ** 28;
    this.#prefix = startDay === 0 ? "" : String(100_000 + startDay);
  }

  /** The id of the `n`-th order of this generation (from 0). */
  orderId(n: number): string {
    return this.#prefix === ""
      ? String(firstOrderId + n)
      : `${this.#prefix}${String(n + 1).padStart(10, "0")}`;
  }

  /** The catalogue id of an event, within this generation's series position. */
  eventId(catalogueId: string): string {
    return `${this.#prefix}${catalogueId}`;
  }
}

/** Seed streams besides the customers' own (see `customerStream`). */
const stream = {
  arrivals: 2,
  catalogue: 3,
  fx: 4,
  userIds: 5,
  offline: 6,
  plan: 7,
  dirt: 8,
  costs: 9,
} as const;

/** Mean-reverting daily FX walks; GBP exists only to price the orders that have no rate. */
const fxWalks = [
  { currency: "USD", mean: 90, step: 0.9 },
  { currency: "EUR", mean: 100, step: 1 },
  { currency: "GBP", mean: 115, step: 1.1 },
] as const;
const exportedFxCurrencies = ["USD", "EUR"] as const;

type PlantKind =
  | "session_end_before_start"
  | "missing_session_end"
  | "visit_duplicate"
  | "missing_user_id"
  | "negative_revenue"
  | "no_fx_rate"
  | "order_reexport"
  | "event_reexport"
  | "negative_costs";

/**
 * Generates deterministic synthetic raw exports in the SPEC §1 layout and
 * writes them to `sink`, day by day (events, fx_rates, costs, visits, orders
 * within a day), one object per source per day. Visitors arrive from ten ad
 * sources, come back for more sessions, some buy and then buy again following
 * `demoBgNbdParameters`; a few dirty rows and re-exports are planted, and the
 * summary says exactly how many, as staging must count them.
 *
 * @example
 * const files = new Map<string, Buffer>();
 * await generateExports({ users: 1000, days: 30, seed: 1 }, { write: async (k, b) => void files.set(k, b) });
 */
export async function generateExports(
  options: GenerateOptions,
  sink: ExportSink,
): Promise<GenerationSummary> {
  const resolved = resolveOptions(options);
  const { users, days, seed } = resolved;
  const calendar = new Calendar(resolved.startDate, days);
  const bgnbd = resolved.bgnbd;
  const context: SimulationContext = {
    seed,
    days,
    bgnbd,
    catalogue: new EventCatalogue(
      new Random(seed, stream.catalogue),
      Math.min(20_000, Math.max(80, Math.round(users / 100))),
      days,
    ),
    visits: new DayBuckets(days, visitStride),
    orders: new DayBuckets(days, orderStride),
  };
  const arrivals = dailyArrivals(new Random(seed, stream.arrivals), calendar, users, days);
  const offlineBuyers = Math.min(20, Math.max(1, Math.round(users / 2000)));
  const offlineRandom = new Random(seed, stream.offline);
  const offlineArrivals = Array.from({ length: offlineBuyers }, () =>
    offlineRandom.int(0, days - 1),
  );
  const writer = new DayWriter(resolved, calendar, context, offlineBuyers);

  let nextCustomer = 0;
  for (let day = 0; day < days; day++) {
    const arriving = arrivals[day] ?? 0;
    for (let count = 0; count < arriving; count++) {
      simulateCustomer(context, nextCustomer++, day, true);
    }
    offlineArrivals.forEach((arrivalDay, offline) => {
      if (arrivalDay === day) simulateCustomer(context, users + offline, day, false);
    });
    for (const [key, body] of writer.writeDay(day)) await sink.write(key, body);
  }
  return writer.summary();
}

function resolveOptions(options: GenerateOptions): ResolvedGenerateOptions {
  const resolved: ResolvedGenerateOptions = {
    ...options,
    startDate: options.startDate ?? defaultGenerateOptions.startDate,
    bgnbd: options.bgnbd ?? demoBgNbdParameters,
  };
  const wholeNumber = (name: "users" | "days", value: number, max: number): void => {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new ConfigError(
        `generate option ${name} must be a whole number from 1 to ${max}, got ${value}`,
      );
    }
  };
  wholeNumber("users", resolved.users, 100_000_000);
  wholeNumber("days", resolved.days, 3660);
  if (!Number.isSafeInteger(resolved.seed)) {
    throw new ConfigError(`generate option seed must be a whole number, got ${resolved.seed}`);
  }
  const startMillis = Date.parse(`${resolved.startDate}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(resolved.startDate) ||
    Number.isNaN(startMillis) ||
    new Date(startMillis).toISOString().slice(0, 10) !== resolved.startDate
  ) {
    throw new ConfigError(
      `generate option startDate must be a YYYY-MM-DD date, got "${resolved.startDate}"`,
    );
  }
  const { r, alpha, a, b } = resolved.bgnbd;
  if (![r, alpha, a, b].every((value) => Number.isFinite(value) && value > 0)) {
    throw new ConfigError(
      `generate option bgnbd needs positive r, alpha, a and b, got ${JSON.stringify(resolved.bgnbd)}`,
    );
  }
  return resolved;
}

/**
 * New visitors per day: a slow upward trend, busier Fridays, quieter weekends
 * and some day-to-day noise, rounded by largest remainder to sum to `users`.
 */
function dailyArrivals(random: Random, calendar: Calendar, users: number, days: number): number[] {
  const weekdayFactor = [1, 1, 1.02, 1, 1.04, 1.1, 0.9, 0.85];
  const weights = Array.from(
    { length: days },
    (_, day) =>
      (1 + (0.5 * day) / days) *
      (weekdayFactor[calendar.weekday(day)] ?? 1) *
      random.logNormal(0, 0.08),
  );
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const exact = weights.map((weight) => (weight / total) * users);
  const counts = exact.map(Math.floor);
  const byRemainder = exact
    .map((value, day) => ({ day, remainder: value - Math.floor(value) }))
    .sort((x, y) => y.remainder - x.remainder || x.day - y.day);
  let missing = users - counts.reduce((sum, count) => sum + count, 0);
  for (const { day } of byRemainder) {
    if (missing-- <= 0) break;
    counts[day] = (counts[day] as number) + 1;
  }
  return counts;
}

/** Random walks of the FX rates, one value per day, rounded as exported. */
function fxSeries(random: Random, days: number): number[][] {
  return fxWalks.map(({ mean, step }) => {
    const series: number[] = [];
    let rate = mean + random.normal(0, 2);
    for (let day = 0; day < days; day++) {
      series.push(Math.round(rate * 10_000) / 10_000);
      rate += 0.05 * (mean - rate) + random.normal(0, step);
    }
    return series;
  });
}

/** Removes and returns a random element of `candidates` (order not kept), or undefined when empty. */
function takeRandom(random: Random, candidates: number[]): number | undefined {
  if (candidates.length === 0) return undefined;
  const position = random.int(0, candidates.length - 1);
  const chosen = candidates[position] as number;
  candidates[position] = candidates[candidates.length - 1] as number;
  candidates.pop();
  return chosen;
}

/**
 * Rows of a day's flat records ordered by the time in `timeField`, ties in the
 * order the rows were simulated (itself deterministic). The time within the
 * day and the row number are packed into one double so a plain numeric sort
 * does the work, which is several times faster than a comparator.
 */
function rowsByTime(
  records: Float64Array,
  stride: number,
  timeField: number,
  day: number,
): number[] {
  const count = records.length / stride;
  const dayStart = day * 86_400;
  const keys = new Float64Array(count);
  for (let row = 0; row < count; row++) {
    keys[row] = ((records[row * stride + timeField] as number) - dayStart) * count + row;
  }
  keys.sort();
  return Array.from(keys, (key) => key % count);
}

function money(value: number): string {
  return value.toFixed(2);
}

/**
 * Turns each day's simulated sessions and orders into the five CSV objects of
 * that day, plants the dirty rows and re-exports, and keeps the counts.
 */
class DayWriter {
  private readonly ids: UserIdMapper;
  private readonly fx: number[][];
  private readonly dirt: Random;
  private readonly plan: DirtPlan<PlantKind>;
  /** Copies scheduled for a later (or the same) day's file, appended after its regular rows. */
  private readonly extraLines: Record<"visits" | "orders" | "events", string[][]>;
  private readonly eventExported: Uint8Array;
  private readonly exportedEvents: number[] = [];
  private readonly stagedBuyer: Uint8Array;
  private readonly rows: Record<SourceName, number> = {
    visits: 0,
    orders: 0,
    events: 0,
    costs: 0,
    fx_rates: 0,
  };
  private readonly series: SeriesIds;
  private orders = 0;
  private blankedCreatedAt = false;
  private files = 0;
  private bytes = 0;

  constructor(
    private readonly options: ResolvedGenerateOptions,
    private readonly calendar: Calendar,
    private readonly context: SimulationContext,
    offlineBuyers: number,
  ) {
    const { seed, users, days } = options;
    this.ids = new UserIdMapper(new Random(seed, stream.userIds));
    this.series = new SeriesIds(options.startDate);
    this.fx = fxSeries(new Random(seed, stream.fx), days);
    this.dirt = new Random(seed, stream.dirt);
    // Tens at most: enough to see in every run report, far below the 1% a file may reject.
    const perKind = Math.min(30, Math.max(2, Math.round(users / 10_000)));
    this.plan = new DirtPlan<PlantKind>(new Random(seed, stream.plan), days, {
      session_end_before_start: perKind,
      missing_session_end: Math.ceil(perKind / 2),
      visit_duplicate: perKind,
      missing_user_id: perKind,
      negative_revenue: perKind,
      no_fx_rate: perKind,
      order_reexport: perKind,
      event_reexport: Math.min(3, Math.ceil(perKind / 10)),
      negative_costs: Math.min(
        10,
        Math.max(1, Math.round((days * referenceData.adSources.length) / 400)),
      ),
    });
    this.extraLines = {
      visits: Array.from({ length: days }, () => []),
      orders: Array.from({ length: days }, () => []),
      events: Array.from({ length: days }, () => []),
    };
    this.eventExported = new Uint8Array(context.catalogue.events.length);
    this.stagedBuyer = new Uint8Array(users + offlineBuyers);
  }

  /** The exported id of simulated user number `user`, continuing the series of the seed. */
  private userId(user: number): string {
    return this.ids.idOf(this.series.userOffset + user);
  }

  /** The exported id of catalogue event number `event`. */
  private eventId(event: number): string {
    const found = this.context.catalogue.events[event];
    return found ? this.series.eventId(found.id) : "";
  }

  /** The five objects of `day`, in write order. */
  writeDay(day: number): [string, Buffer][] {
    this.plan.openDay(day);
    const builders = Object.fromEntries(
      writeOrder.map((source) => [source, new CsvBuilder(exportHeaders[source])]),
    ) as Record<SourceName, CsvBuilder>;
    const visitsBySource = this.writeVisits(day, builders.visits);
    const newEvents = this.writeOrders(day, builders.orders);
    for (const line of this.eventLines(day, newEvents)) builders.events.appendLine(line);
    for (const line of this.fxLines(day)) builders.fx_rates.appendLine(line);
    for (const line of this.costLines(day, visitsBySource)) builders.costs.appendLine(line);
    const date = this.calendar.date(day);
    return writeOrder.map((source) => {
      const builder = builders[source];
      const body = builder.toBuffer();
      this.rows[source] += builder.rows;
      this.files++;
      this.bytes += body.length;
      return [`${source}/dt=${date}/part-000.csv`, body];
    });
  }

  /** Schedules a copy of `line` into the file of a day 0-4 days later (capped at the last day). */
  private scheduleCopy(
    source: "visits" | "orders" | "events",
    day: number,
    line: string,
    minOffset: number,
  ): void {
    const target = Math.min(this.options.days - 1, day + this.dirt.int(minOffset, 4));
    this.extraLines[source][target]?.push(line);
  }

  /** Appends the copies scheduled for `day` after its regular rows. */
  private appendCopies(source: "visits" | "orders" | "events", day: number, out: CsvBuilder): void {
    for (const line of this.extraLines[source][day] ?? []) out.appendLine(line);
    this.extraLines[source][day] = [];
  }

  /** Writes the day's sessions and returns how many came from each source (index 0: none). */
  private writeVisits(day: number, out: CsvBuilder): number[] {
    const records = this.context.visits.take(day);
    const at = (row: number, field: number): number => records[row * visitStride + field] as number;
    const order = rowsByTime(records, visitStride, visitField.start, day);
    const visitsBySource = new Array<number>(referenceData.adSources.length + 1).fill(0);
    for (const row of order) {
      const source = at(row, visitField.source);
      visitsBySource[source] = (visitsBySource[source] ?? 0) + 1;
    }

    // Only sessions without an order are spoiled, so every order keeps a clean session.
    const spoilable = order.filter((row) => at(row, visitField.hasOrder) === 0);
    const spoiled = new Map<number, PlantKind>();
    for (const kind of ["session_end_before_start", "missing_session_end"] as const) {
      while (this.plan.due(kind) > 0) {
        const row = takeRandom(this.dirt, spoilable);
        if (row === undefined) break;
        spoiled.set(row, kind);
        this.plan.place(kind);
      }
    }
    const duplicated = new Set<number>();
    const clean = order.filter((row) => !spoiled.has(row));
    while (this.plan.due("visit_duplicate") > 0) {
      // The first duplicate lacks source_id when one can: equal missing values make one key too.
      const withoutSource =
        this.plan.placed("visit_duplicate") === 0
          ? clean.filter((row) => at(row, visitField.source) === 0)
          : [];
      const row = takeRandom(this.dirt, withoutSource.length > 0 ? withoutSource : clean);
      if (row === undefined) break;
      if (withoutSource.length > 0) clean.splice(clean.indexOf(row), 1);
      duplicated.add(row);
      this.plan.place("visit_duplicate");
    }

    for (const row of order) {
      const start = at(row, visitField.start);
      const end = at(row, visitField.end);
      const kind = spoiled.get(row);
      let endText = this.calendar.timestamp(end);
      if (kind === "session_end_before_start") {
        endText = this.calendar.timestamp(start - (end - start));
      } else if (kind === "missing_session_end") {
        endText = "";
      }
      const source = at(row, visitField.source);
      const line =
        `${this.userId(at(row, visitField.user))},${this.calendar.timestamp(start)},${endText},` +
        `${referenceData.devices[at(row, visitField.device)]},${source === 0 ? "" : String(source)}`;
      out.appendLine(line);
      if (duplicated.has(row)) this.scheduleCopy("visits", day, line, 0);
    }
    this.appendCopies("visits", day, out);
    return visitsBySource;
  }

  /** Writes the day's orders and returns the events they are the first to reference. */
  private writeOrders(day: number, out: CsvBuilder): number[] {
    const records = this.context.orders.take(day);
    const at = (row: number, field: number): number => records[row * orderStride + field] as number;
    const order = rowsByTime(records, orderStride, orderField.createdAt, day);

    // Buyers without visits stay clean, so their count is exact; small (or zero) revenue could
    // round to "-0.00", which is not negative, so only orders worth a few roubles are spoiled.
    const spoilable = order.filter(
      (row) => at(row, orderField.hasVisits) === 1 && at(row, orderField.revenueRub) >= 500,
    );
    const spoiled = new Map<number, PlantKind>();
    for (const kind of [
      "missing_user_id",
      "negative_revenue",
      "no_fx_rate",
      "order_reexport",
    ] as const) {
      while (this.plan.due(kind) > 0) {
        const row = takeRandom(this.dirt, spoilable);
        if (row === undefined) break;
        spoiled.set(row, kind);
        this.plan.place(kind);
      }
    }

    const newEvents: number[] = [];
    for (const row of order) {
      const user = at(row, orderField.user);
      const currency = at(row, orderField.currency);
      const event = at(row, orderField.event);
      const revenueRub = at(row, orderField.revenueRub);
      const revenue =
        currency === 0 ? revenueRub : revenueRub / (this.fx[currency - 1]?.[day] ?? 1);
      const device = at(row, orderField.device);
      const fields = [
        this.series.orderId(this.orders++),
        this.userId(user),
        this.calendar.timestamp(at(row, orderField.createdAt)),
        money(revenue),
        currencies[currency] ?? "",
        String(at(row, orderField.tickets)),
        referenceData.ticketServices[at(row, orderField.service)]?.name ?? "",
        this.eventId(event),
        device < 0 ? "" : (referenceData.devices[device] ?? ""),
      ];
      const kind = spoiled.get(row);
      if (kind === "missing_user_id") {
        fields[1] = "";
        // One of them also lacks created_at: the reason must name the first empty required column.
        if (!this.blankedCreatedAt) {
          fields[2] = "";
          this.blankedCreatedAt = true;
        }
      } else if (kind === "negative_revenue") {
        fields[3] = money(-revenue);
      } else if (kind === "no_fx_rate") {
        fields[3] = money(revenueRub / (this.fx[2]?.[day] ?? 115));
        fields[4] = "GBP";
      } else {
        this.stagedBuyer[user] = 1;
        if (kind === "order_reexport") {
          this.scheduleCopy("orders", day, csvLine(reexported(fields, this.dirt)), 0);
        }
      }
      if (this.eventExported[event] === 0) {
        this.eventExported[event] = 1;
        newEvents.push(event);
      }
      out.appendLine(csvLine(fields));
    }
    this.appendCopies("orders", day, out);
    return newEvents;
  }

  private eventLines(day: number, newEvents: number[]): string[] {
    const lineOf = (event: number): string => {
      const found = this.context.catalogue.events[event];
      return found ? csvLine([this.eventId(event), found.type, found.region, found.city]) : "";
    };
    newEvents.sort((x, y) => x - y);
    this.exportedEvents.push(...newEvents);
    const lines = newEvents.map(lineOf);
    while (this.plan.due("event_reexport") > 0 && this.exportedEvents.length > 0) {
      const event = this.exportedEvents[this.dirt.int(0, this.exportedEvents.length - 1)] as number;
      this.scheduleCopy("events", day, lineOf(event), 1);
      this.plan.place("event_reexport");
    }
    lines.push(...(this.extraLines.events[day] ?? []));
    this.extraLines.events[day] = [];
    return lines;
  }

  private costLines(day: number, visitsBySource: number[]): string[] {
    const noise = new Random(this.options.seed, stream.costs, day);
    const date = this.calendar.date(day);
    const costs = referenceData.adSources.map(
      (source, index) =>
        (visitsBySource[index + 1] ?? 0) * source.costPerVisit * noise.logNormal(0, 0.1),
    );
    const spoilable = costs.flatMap((value, index) => (value >= 0.01 ? [index] : []));
    const negative = new Set<number>();
    while (this.plan.due("negative_costs") > 0) {
      const index = takeRandom(this.dirt, spoilable);
      if (index === undefined) break;
      negative.add(index);
      this.plan.place("negative_costs");
    }
    return referenceData.adSources.map(
      (source, index) =>
        `${date},${source.id},${money((negative.has(index) ? -1 : 1) * (costs[index] ?? 0))}`,
    );
  }

  private fxLines(day: number): string[] {
    const date = this.calendar.date(day);
    return exportedFxCurrencies.map(
      (currency, index) => `${date},${currency},${(this.fx[index]?.[day] ?? 0).toFixed(4)}`,
    );
  }

  summary(): GenerationSummary {
    const placed = (kind: PlantKind): number => this.plan.placed(kind);
    const nonZero = (counts: Record<string, number>): QuarantineCounts =>
      Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
    const planted: PlantedRows = {
      quarantined: {
        visits: nonZero({
          session_end_before_start: placed("session_end_before_start"),
          missing_session_end: placed("missing_session_end"),
        }),
        orders: nonZero({
          missing_user_id: placed("missing_user_id"),
          negative_revenue: placed("negative_revenue"),
          no_fx_rate: placed("no_fx_rate"),
        }),
        events: {},
        costs: nonZero({ negative_costs: placed("negative_costs") }),
        fx_rates: {},
      },
      superseded: {
        visits: placed("visit_duplicate"),
        orders: placed("order_reexport"),
        events: placed("event_reexport"),
        costs: 0,
        fx_rates: 0,
      },
    };
    const expectedStaged = Object.fromEntries(
      (Object.keys(this.rows) as SourceName[]).map((source) => {
        const quarantined = Object.values(planted.quarantined[source]).reduce(
          (sum, count) => sum + count,
          0,
        );
        return [source, this.rows[source] - quarantined - planted.superseded[source]];
      }),
    ) as Record<SourceName, number>;
    let buyers = 0;
    let buyersWithoutVisits = 0;
    this.stagedBuyer.forEach((flag, customer) => {
      buyers += flag;
      if (customer >= this.options.users) buyersWithoutVisits += flag;
    });
    return {
      options: this.options,
      firstDate: this.calendar.date(0),
      lastDate: this.calendar.date(this.options.days - 1),
      files: this.files,
      bytes: this.bytes,
      rows: { ...this.rows },
      visitors: this.options.users,
      buyers,
      buyersWithoutVisits,
      events: this.exportedEvents.length,
      bgnbd: this.context.bgnbd,
      planted,
      expectedStaged,
    };
  }
}

/**
 * A later export of an order: half the time identical, half the time a
 * correction of the ticket count with the revenue scaled to match.
 */
function reexported(fields: readonly string[], random: Random): string[] {
  if (random.chance(0.5)) return [...fields];
  const tickets = Number(fields[5]);
  const corrected = tickets === 1 ? 2 : tickets - 1;
  const copy = [...fields];
  copy[5] = String(corrected);
  copy[3] = money((Number(fields[3]) * corrected) / tickets);
  return copy;
}
