// Maps the Yandex.Afisha exports (tests/fixtures/conformance/README.md) to the
// SPEC §1 sources: orders numbered in file order (the data has no order id),
// no currency (the base currency), no visits; costs as they are.
import { readFileSync } from "node:fs";
import type { RawData, RawRow } from "./harness.ts";
import { parseCsv } from "./raw-files.ts";

const fixtures = new URL("../fixtures/conformance/", import.meta.url);

function records(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(new URL(file, fixtures), "utf8"));
  return rows.map((row) =>
    Object.fromEntries((header ?? []).map((column, i) => [column, row[i] ?? ""])),
  );
}

/** The Afisha slice as raw rows, each source from one object. */
export function afishaRaw(): RawData {
  const modified = "2017-11-01 00:00:00";
  const orders: RawRow[] = records("afisha_orders_log_us_2017-06_to_08.csv").map((row, i) => ({
    order_id: String(i + 1),
    user_id: row.Uid ?? null,
    created_at: row["Buy Ts"] ?? null,
    revenue: Number(row.Revenue),
    _file_key: "raw/orders/afisha/orders_log_us.csv",
    _file_row: i + 1,
    _file_modified: modified,
  }));
  const costs: RawRow[] = records("afisha_costs_us_2017-06_to_10.csv").map((row, i) => ({
    dt: row.dt ?? null,
    source_id: row.source_id ?? null,
    costs: Number(row.costs),
    _file_key: "raw/costs/afisha/costs_us.csv",
    _file_row: i + 1,
    _file_modified: modified,
  }));
  return { visits: [], orders, events: [], costs, fx_rates: [] };
}
