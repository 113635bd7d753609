import type { SourceName } from "../../src/sources/built-in-sources.ts";
import { readCsv } from "./csv-reader.ts";

/** One generated object as the tests see it: its key, bytes and position in the write order. */
export interface WrittenObject {
  readonly key: string;
  readonly body: Buffer;
  /** Stands in for S3's last-modified time: objects written later are newer. */
  readonly writeIndex: number;
}

/** A raw row with where it came from. */
export interface RawRow {
  readonly objectKey: string;
  readonly writeIndex: number;
  readonly row: number;
  readonly values: Readonly<Record<string, string>>;
}

/** What SPEC §1 staging makes of the raw rows, computed independently of the generator. */
export interface StagingOutcome {
  readonly raw: Record<SourceName, RawRow[]>;
  readonly staged: Record<SourceName, RawRow[]>;
  readonly quarantined: Record<SourceName, Record<string, number>>;
  readonly superseded: Record<SourceName, number>;
  /** Keys whose winner differs between "newest object" and "greatest object key" ordering. */
  readonly orderingDisagreements: number;
  /** Quarantined winners that break more than one rule (the reason would be ambiguous). */
  readonly ambiguousRows: number;
}

// Transcribed from the SPEC §1 table, not from the generator.
const required: Record<SourceName, readonly string[]> = {
  visits: ["user_id", "session_start", "session_end"],
  orders: ["order_id", "user_id", "created_at", "revenue"],
  events: ["event_id"],
  costs: ["dt", "source_id", "costs"],
  fx_rates: ["dt", "currency", "rate"],
};
const keyColumns: Record<SourceName, readonly string[]> = {
  visits: ["user_id", "session_start", "session_end", "device", "source_id"],
  orders: ["order_id"],
  events: ["event_id"],
  costs: ["dt", "source_id"],
  fx_rates: ["dt", "currency"],
};
const sourceNames: readonly SourceName[] = ["fx_rates", "events", "costs", "visits", "orders"];

const seconds = (timestamp: string): number => Date.parse(`${timestamp.replace(" ", "T")}Z`) / 1000;

/** Applies SPEC §1 staging (empty required → key rule → rules on the winner) to the objects. */
export function stage(objects: readonly WrittenObject[], baseCurrency = "RUB"): StagingOutcome {
  const raw = Object.fromEntries(sourceNames.map((s) => [s, [] as RawRow[]])) as Record<
    SourceName,
    RawRow[]
  >;
  for (const object of objects) {
    const source = object.key.split("/")[0] as SourceName;
    const { header, rows } = readCsv(object.body.toString("utf8"));
    rows.forEach((cells, row) => {
      const values = Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ""]));
      raw[source].push({ objectKey: object.key, writeIndex: object.writeIndex, row, values });
    });
  }

  const staged = {} as Record<SourceName, RawRow[]>;
  const quarantined = {} as Record<SourceName, Record<string, number>>;
  const superseded = {} as Record<SourceName, number>;
  let orderingDisagreements = 0;
  let ambiguousRows = 0;
  const fxDates = new Map<string, string[]>();

  for (const source of sourceNames) {
    const reasons: Record<string, number> = {};
    const count = (reason: string): void => {
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    };
    const groups = new Map<string, RawRow[]>();
    for (const row of raw[source]) {
      const empty = required[source].find((column) => (row.values[column] ?? "") === "");
      if (empty !== undefined) {
        count(`missing_${empty}`);
        continue;
      }
      const key = JSON.stringify(keyColumns[source].map((column) => row.values[column] ?? ""));
      const group = groups.get(key) ?? [];
      group.push(row);
      groups.set(key, group);
    }
    let losers = 0;
    const winners: RawRow[] = [];
    for (const group of groups.values()) {
      const newest = group.reduce((best, row) =>
        row.writeIndex > best.writeIndex ||
        (row.writeIndex === best.writeIndex && row.row > best.row)
          ? row
          : best,
      );
      const greatestKey = group.reduce((best, row) =>
        row.objectKey > best.objectKey || (row.objectKey === best.objectKey && row.row > best.row)
          ? row
          : best,
      );
      if (newest !== greatestKey) orderingDisagreements++;
      losers += group.length - 1;
      winners.push(newest);
    }
    superseded[source] = losers;

    const kept: RawRow[] = [];
    for (const row of winners) {
      const broken = brokenRules(source, row, fxDates, baseCurrency);
      if (broken.length > 1) ambiguousRows++;
      if (broken[0] !== undefined) count(broken[0]);
      else kept.push(row);
    }
    staged[source] = kept;
    quarantined[source] = reasons;
    if (source === "fx_rates") {
      for (const row of kept) {
        const currency = row.values.currency ?? "";
        fxDates.set(currency, [...(fxDates.get(currency) ?? []), row.values.dt ?? ""]);
      }
    }
  }
  return { raw, staged, quarantined, superseded, orderingDisagreements, ambiguousRows };
}

function brokenRules(
  source: SourceName,
  row: RawRow,
  fxDates: ReadonlyMap<string, readonly string[]>,
  baseCurrency: string,
): string[] {
  const v = row.values;
  const broken: string[] = [];
  if (source === "visits" && seconds(v.session_end ?? "") < seconds(v.session_start ?? "")) {
    broken.push("session_end_before_start");
  }
  if (source === "orders") {
    if (Number(v.revenue) < 0) broken.push("negative_revenue");
    const currency = v.currency ?? "";
    if (currency !== "" && currency !== baseCurrency) {
      const date = (v.created_at ?? "").slice(0, 10);
      if (!(fxDates.get(currency) ?? []).some((dt) => dt <= date)) broken.push("no_fx_rate");
    }
  }
  if (source === "costs" && Number(v.costs) < 0) broken.push("negative_costs");
  return broken;
}
