import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../conformance/raw-files.ts";
import { runCli } from "../support/cli.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

// The original order-line exports (tests/fixtures/order-lines/README.md), uploaded
// unchanged and read through the examples' duckmart.yaml alone. Each figure is
// held against a straightforward computation over the file here.

interface Line {
  readonly order: string;
  readonly product: string;
  readonly user: string;
  /** Sortable text of the line's time. */
  readonly time: string;
  readonly month: string;
  readonly category: string;
  readonly revenue: number;
}

/** SPEC §1.2 by hand: the later of two rows of one (order, product) wins; orders take their first line's user. */
function expected(lines: readonly Line[]) {
  const winners = new Map<string, Line>();
  for (const line of lines) winners.set(`${line.order}\u0000${line.product}`, line);
  const byOrder = new Map<string, Line[]>();
  for (const line of winners.values())
    byOrder.set(line.order, [...(byOrder.get(line.order) ?? []), line]);
  const firstLines = [...byOrder.values()].map(
    (ls) =>
      [...ls].sort(
        (a, b) => a.time.localeCompare(b.time) || (a.product < b.product ? -1 : 1),
      )[0] as Line,
  );
  const revenueByMonthCategory = new Map<string, number>();
  for (const line of winners.values()) {
    const key = `${line.month} ${line.category}`;
    revenueByMonthCategory.set(key, (revenueByMonthCategory.get(key) ?? 0) + line.revenue);
  }
  return {
    superseded: lines.length - winners.size,
    orders: byOrder.size,
    buyers: new Set(firstLines.map((line) => line.user)).size,
    revenue: [...winners.values()].reduce((sum, line) => sum + line.revenue, 0),
    revenueByMonthCategory,
  };
}

async function runExample(example: string, file: string) {
  const s3 = await startTestS3();
  const dir = tempDir(example);
  const warehouse = join(dir, "warehouse.duckdb");
  await s3.store.write(
    `raw/order_lines/${file}`,
    readFileSync(new URL(`../fixtures/order-lines/${file}`, import.meta.url)),
  );
  const config = new URL(`../../examples/${example}/duckmart.yaml`, import.meta.url).pathname;
  const result = await runCli(["run", "--config", config], {
    ...s3.env,
    DUCKMART_WAREHOUSE: warehouse,
    DUCKMART_WORK_DIR: join(dir, "work"),
  });
  expect(result.code, result.stderr).toBe(0);
  const [totals] = await inspectWarehouse(warehouse, (w) =>
    w.all<{ orders: number; buyers: number; revenue: number; superseded: number; other: number }>(
      `select (select count(*) from staging.stg_orders) as orders,
              (select count(*) from main.mart_user_profile) as buyers,
              (select sum(revenue) from staging.stg_orders) as revenue,
              (select count(*) from staging.stg_order_lines_classified where row_status = 'superseded') as superseded,
              (select coalesce(sum(revenue), 0) from main.mart_category_monthly where category = '(other)')
                / (select sum(revenue) from main.mart_category_monthly) as other`,
    ),
  );
  const categories = await inspectWarehouse(warehouse, (w) =>
    w.all<{ key: string; revenue: number }>(
      "select strftime(month, '%Y-%m') || ' ' || category as key, revenue from main.mart_category_monthly order by 1",
    ),
  );
  const returnRates = await inspectWarehouse(warehouse, (w) =>
    w.all<{ users: number }>(
      "select users from main.mart_return_rates where dimension = 'category'",
    ),
  );
  return { totals, categories, returnRates };
}

describe("order-line exports with a settings file alone (SPEC §1.2)", () => {
  it("examples/superstore: Sales / Quantity as the price, m/d/yyyy dates, the export's categories", async () => {
    const [header, ...rows] = parseCsv(
      readFileSync(new URL("../fixtures/order-lines/superstore.csv", import.meta.url), "utf8"),
    );
    const at = (name: string) => (header ?? []).indexOf(name);
    const lines: Line[] = rows.map((row) => {
      const [month, day, year] = (row[at("Order Date")] ?? "").split("/").map(Number) as [
        number,
        number,
        number,
      ];
      const iso = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
      return {
        order: row[at("Order ID")] ?? "",
        product: row[at("Product ID")] ?? "",
        user: row[at("Customer ID")] ?? "",
        time: iso,
        month: iso.slice(0, 7),
        category: row[at("Category")] ?? "",
        revenue: Number(row[at("Sales")]),
      };
    });
    const want = expected(lines);
    const { totals, categories, returnRates } = await runExample("superstore", "superstore.csv");
    expect(totals?.superseded).toBe(want.superseded);
    expect(totals?.orders).toBe(want.orders);
    expect(totals?.buyers).toBe(want.buyers);
    expect(totals?.revenue).toBeCloseTo(want.revenue, 4);
    expect(totals?.other).toBe(0);
    expect(categories.map((c) => c.key)).toEqual([...want.revenueByMonthCategory.keys()].sort());
    for (const { key, revenue } of categories) {
      expect(revenue, key).toBeCloseTo(want.revenueByMonthCategory.get(key) ?? Number.NaN, 6);
    }
    expect(returnRates.reduce((sum, row) => sum + row.users, 0)).toBe(want.buyers);
  });

  it("examples/ecom-home-goods: YYYYMMDDHH dates, repeated lines superseded, categories by rule", async () => {
    const [header, ...rows] = parseCsv(
      readFileSync(
        new URL("../fixtures/order-lines/ecom_dataset_upd.csv", import.meta.url),
        "utf8",
      ),
    );
    const at = (name: string) => (header ?? []).indexOf(name);
    const lines: Line[] = rows.map((row) => {
      const date = row[at("date")] ?? "";
      return {
        order: row[at("order_id")] ?? "",
        product: row[at("product")] ?? "",
        user: row[at("customer_id")] ?? "",
        time: date,
        month: `${date.slice(0, 4)}-${date.slice(4, 6)}`,
        category: "",
        revenue: Number(row[at("quantity")]) * Number(row[at("price")]),
      };
    });
    const want = expected(lines);
    // The export's lines that differ only in the hour are one line each (the later wins).
    expect(want.superseded).toBeGreaterThanOrEqual(1_864);
    const { totals, returnRates } = await runExample("ecom-home-goods", "ecom_dataset_upd.csv");
    expect(totals?.superseded).toBe(want.superseded);
    expect(totals?.orders).toBe(want.orders);
    expect(totals?.buyers).toBe(want.buyers);
    expect(totals?.revenue).toBeCloseTo(want.revenue, 4);
    // The rules are readable and put most revenue in a named category.
    expect(totals?.other).toBeLessThan(0.1);
    expect(returnRates.reduce((sum, row) => sum + row.users, 0)).toBe(want.buyers);
  });
});
