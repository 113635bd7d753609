import { beforeAll, describe, expect, it } from "vitest";
import { renderChartSvg } from "../../src/report/render-chart-svg.ts";
import { reportCharts } from "../../src/report/report-charts.ts";
import type { ReportData } from "../../src/report/report-data.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import {
  buildAll,
  fixtureWarehouse,
  insertRaw,
  testSettings,
} from "../transform/fixture-warehouse.ts";

// The category chart (SPEC §1.2, mart_category_monthly): drawn from order
// lines, stacked by category with the largest first; left out of the report
// entirely when the deployment has no order lines.

const chart = reportCharts.find((c) => c.id === "categories");
// The chart's build reads only the base currency from the report data.
const data = { baseCurrency: "RUB" } as ReportData;

let withLines: Warehouse;
let withoutLines: Warehouse;

beforeAll(async () => {
  withLines = await fixtureWarehouse();
  withoutLines = await fixtureWarehouse();
  const lines = [
    ["o1", "Rose", "u1", "2024-01-05 10:00:00", 2, 10, "flowers"],
    ["o1", "Pot", "u1", "2024-01-05 10:00:00", 1, 5, "pots"],
    ["o2", "Tulip", "u2", "2024-02-03 10:00:00", 3, 4, "flowers"],
    ["o3", "Spade", "u1", "2024-02-09 10:00:00", 1, 30, "tools"],
  ] as const;
  await insertRaw(
    withLines,
    "order_lines",
    lines.map(([order_id, product, user_id, created_at, quantity, price, category]) => ({
      order_id,
      product,
      user_id,
      created_at,
      quantity,
      price,
      category,
    })),
  );
  await buildAll(withLines, testSettings({ ordersFromLines: true }));
  await buildAll(withoutLines);
});

describe("the category chart", () => {
  it("stacks each month's line revenue by category, the category with most revenue first", async () => {
    const build = await chart?.build({ session: withLines, data });
    if (!build || !("spec" in build)) throw new Error(`no chart: ${JSON.stringify(build)}`);
    const values = (build.spec as { data: { values: Record<string, unknown>[] } }).data.values;
    expect(values.map((row) => [row.month, row.category, row.revenue])).toEqual([
      ["2024-01-01", "flowers", 20],
      ["2024-01-01", "pots", 5],
      ["2024-02-01", "flowers", 12],
      ["2024-02-01", "tools", 30],
    ]);
    const svg = await renderChartSvg(build.spec, "categories");
    expect(svg.match(/role-legend/g)?.length).toBeGreaterThan(0);
    for (const category of ["flowers", "tools", "pots"]) expect(svg).toContain(`>${category}<`);
  });

  it("is left out without order lines: nothing to draw is no problem to report", async () => {
    expect(await chart?.build({ session: withoutLines, data })).toEqual({ omit: true });
  });
});
