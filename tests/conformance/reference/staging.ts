// SPEC §1 staging, row by row: required columns, the key rule, the row rules
// and FX conversion, over raw rows as the raw tables hold them.
import { compareText, dayOf, parseDate, parseTimestamp } from "./time.ts";

export type SourceName = "visits" | "orders" | "events" | "costs" | "fx_rates";

/** A raw value: text (ids, labels, timestamps, dates), a number, or missing. */
export type Cell = string | number | null;

/** A raw row: the source's columns plus `_file_key`, `_file_row`, `_file_modified`. */
export type RawRow = Readonly<Record<string, Cell>>;

export type RawData = Readonly<Record<SourceName, readonly RawRow[]>>;

export interface ReferenceSettings {
  readonly baseCurrency: string;
  readonly margin: number;
  /** Fixed CAC for months without cost rows (SPEC §3 mart_cac); unset when absent or null. */
  readonly assumedCac?: number | null;
  /** mart_value_at_risk threshold on P(alive); default 0.5. */
  readonly riskPAlive?: number;
  /** CLV horizon in days; default 90. */
  readonly clvHorizonDays?: number;
  /** Largest k of mart_clusters; default 6. */
  readonly maxClusters?: number;
}

export interface Visit {
  readonly userId: string;
  readonly start: number;
  readonly end: number;
  readonly device: string | null;
  readonly sourceId: string | null;
}

export interface Order {
  readonly orderId: string;
  readonly userId: string;
  readonly createdAt: number;
  /** In the base currency. */
  readonly revenue: number;
  readonly currency: string | null;
  readonly ticketsCount: number | null;
  readonly service: string | null;
  readonly eventId: string | null;
  readonly device: string | null;
}

export interface EventRow {
  readonly eventId: string;
  readonly eventType: string | null;
  readonly region: string | null;
  readonly city: string | null;
}

export interface Cost {
  readonly day: number;
  readonly sourceId: string;
  readonly costs: number;
}

export interface FxRate {
  readonly day: number;
  readonly currency: string;
  readonly rate: number;
}

export interface Quarantined {
  readonly reason: string;
  readonly row: RawRow;
}

export interface SourceOutcome<T> {
  readonly staged: readonly T[];
  /** The raw rows behind `staged`, in the same order (their lineage identifies them). */
  readonly stagedRaw: readonly RawRow[];
  readonly quarantined: readonly Quarantined[];
  readonly superseded: number;
}

export interface Staged {
  readonly visits: SourceOutcome<Visit>;
  readonly orders: SourceOutcome<Order>;
  readonly events: SourceOutcome<EventRow>;
  readonly costs: SourceOutcome<Cost>;
  readonly fxRates: SourceOutcome<FxRate>;
}

/** Required columns of each source, in the table's column order (SPEC §1). */
export const requiredColumns: Readonly<Record<SourceName, readonly string[]>> = {
  visits: ["user_id", "session_start", "session_end"],
  orders: ["order_id", "user_id", "created_at", "revenue"],
  events: ["event_id"],
  costs: ["dt", "source_id", "costs"],
  fx_rates: ["dt", "currency", "rate"],
};

/** An empty string and a null are the same: missing. */
function value(row: RawRow, column: string): Cell {
  const cell = row[column];
  return cell === undefined || cell === "" ? null : cell;
}

function text(row: RawRow, column: string): string | null {
  const cell = value(row, column);
  return cell === null ? null : String(cell);
}

function num(row: RawRow, column: string): number | null {
  const cell = value(row, column);
  return cell === null ? null : Number(cell);
}

function timestamp(row: RawRow, column: string): number | null {
  const cell = value(row, column);
  return cell === null ? null : parseTimestamp(String(cell));
}

function date(row: RawRow, column: string): number | null {
  const cell = value(row, column);
  return cell === null ? null : parseDate(String(cell));
}

/** Row a beats row b: later `_file_modified`, then greater `_file_key`, then later `_file_row`. */
function beats(a: RawRow, b: RawRow): boolean {
  const modified =
    parseTimestamp(String(a._file_modified)) - parseTimestamp(String(b._file_modified));
  if (modified !== 0) return modified > 0;
  const key = compareText(String(a._file_key), String(b._file_key));
  if (key !== 0) return key > 0;
  return Number(a._file_row) > Number(b._file_row);
}

interface SourceRules<T> {
  readonly required: readonly string[];
  /** The key after casting, as a string that is equal exactly for equal keys. */
  readonly key: (row: RawRow) => string;
  /** The reason the winning row breaks a rule, or null. */
  readonly rule: (row: RawRow) => string | null;
  readonly typed: (row: RawRow) => T;
}

function stageSource<T>(rows: readonly RawRow[], rules: SourceRules<T>): SourceOutcome<T> {
  const quarantined: Quarantined[] = [];
  const winners = new Map<string, RawRow>();
  let superseded = 0;
  for (const row of rows) {
    const missing = rules.required.find((column) => value(row, column) === null);
    if (missing !== undefined) {
      quarantined.push({ reason: `missing_${missing}`, row });
      continue;
    }
    const key = rules.key(row);
    const current = winners.get(key);
    if (current === undefined) winners.set(key, row);
    else {
      superseded++;
      if (beats(row, current)) winners.set(key, row);
    }
  }
  const staged: T[] = [];
  const stagedRaw: RawRow[] = [];
  for (const row of winners.values()) {
    const broken = rules.rule(row);
    if (broken === null) {
      staged.push(rules.typed(row));
      stagedRaw.push(row);
    } else quarantined.push({ reason: broken, row });
  }
  return { staged, stagedRaw, quarantined, superseded };
}

/** SPEC §1 staging of every source. */
export function stage(raw: RawData, settings: ReferenceSettings): Staged {
  const fxRates = stageSource<FxRate>(raw.fx_rates, {
    required: requiredColumns.fx_rates,
    key: (row) => JSON.stringify([date(row, "dt"), text(row, "currency")]),
    rule: () => null,
    typed: (row) => ({
      day: date(row, "dt") as number,
      currency: text(row, "currency") as string,
      rate: num(row, "rate") as number,
    }),
  });

  // Rates per currency by date; base-currency rows are ignored.
  const ratesByCurrency = new Map<string, FxRate[]>();
  for (const rate of fxRates.staged) {
    if (rate.currency === settings.baseCurrency) continue;
    const list = ratesByCurrency.get(rate.currency) ?? [];
    list.push(rate);
    ratesByCurrency.set(rate.currency, list);
  }
  for (const list of ratesByCurrency.values()) list.sort((a, b) => a.day - b.day);
  /** Rate of `currency` on `day`: 1 for the base currency, else the latest dt on or before; null if none. */
  const rateOn = (currency: string | null, day: number): number | null => {
    if (currency === null || currency === settings.baseCurrency) return 1;
    let found: number | null = null;
    for (const rate of ratesByCurrency.get(currency) ?? []) {
      if (rate.day <= day) found = rate.rate;
      else break;
    }
    return found;
  };

  const orders = stageSource<Order>(raw.orders, {
    required: requiredColumns.orders,
    key: (row) => text(row, "order_id") as string,
    rule: (row) => {
      if ((num(row, "revenue") as number) < 0) return "negative_revenue";
      const day = dayOf(timestamp(row, "created_at") as number);
      if (rateOn(text(row, "currency"), day) === null) return "no_fx_rate";
      return null;
    },
    typed: (row) => {
      const createdAt = timestamp(row, "created_at") as number;
      const currency = text(row, "currency");
      return {
        orderId: text(row, "order_id") as string,
        userId: text(row, "user_id") as string,
        createdAt,
        revenue: (num(row, "revenue") as number) * (rateOn(currency, dayOf(createdAt)) as number),
        currency,
        ticketsCount: num(row, "tickets_count"),
        service: text(row, "service"),
        eventId: text(row, "event_id"),
        device: text(row, "device"),
      };
    },
  });

  const visits = stageSource<Visit>(raw.visits, {
    required: requiredColumns.visits,
    key: (row) =>
      JSON.stringify([
        text(row, "user_id"),
        timestamp(row, "session_start"),
        timestamp(row, "session_end"),
        text(row, "device"),
        text(row, "source_id"),
      ]),
    rule: (row) =>
      (timestamp(row, "session_end") as number) < (timestamp(row, "session_start") as number)
        ? "session_end_before_start"
        : null,
    typed: (row) => ({
      userId: text(row, "user_id") as string,
      start: timestamp(row, "session_start") as number,
      end: timestamp(row, "session_end") as number,
      device: text(row, "device"),
      sourceId: text(row, "source_id"),
    }),
  });

  const events = stageSource<EventRow>(raw.events, {
    required: requiredColumns.events,
    key: (row) => text(row, "event_id") as string,
    rule: () => null,
    typed: (row) => ({
      eventId: text(row, "event_id") as string,
      eventType: text(row, "event_type"),
      region: text(row, "region"),
      city: text(row, "city"),
    }),
  });

  const costs = stageSource<Cost>(raw.costs, {
    required: requiredColumns.costs,
    key: (row) => JSON.stringify([date(row, "dt"), text(row, "source_id")]),
    rule: (row) => ((num(row, "costs") as number) < 0 ? "negative_costs" : null),
    typed: (row) => ({
      day: date(row, "dt") as number,
      sourceId: text(row, "source_id") as string,
      costs: num(row, "costs") as number,
    }),
  });

  return { visits, orders, events, costs, fxRates };
}
