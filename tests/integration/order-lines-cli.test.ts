import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

// SPEC §1.2 corner cases through the real CLI: the first line gives a derived
// order its user, categories come from the line or the first matching rule,
// bad quantities and prices are quarantined, lines of unknown orders stay out.

const header = "order_id,product,user_id,created_at,quantity,price,category";
const rules = JSON.stringify([
  { match: "^plant", category: "plants" },
  { match: "pot", category: "pots" },
]);

let s3: TestS3;
let dir: string;

beforeAll(async () => {
  s3 = await startTestS3();
  dir = tempDir("order-lines-cli");
  await s3.store.write(
    "derived/order_lines/lines.csv",
    [
      header,
      "o1,Plant A,u1,2024-01-01 10:00:00,1,10,",
      // The earliest line (09:00) names the order's user; Clay pot beats Seeds on the tie.
      "o1,Seeds,u1,2024-01-01 09:00:00,3,1,",
      "o1,Clay pot,u2,2024-01-01 09:00:00,2,5,",
      "o2,Gift card,u3,2024-02-02 10:00:00,1,20,Gifts",
      "o2,Plant B,u3,2024-02-02 10:00:00,1,4,",
      "o3,Broken,u3,2024-02-03 10:00:00,0,5,",
      "o4,Refund,u3,2024-02-03 10:00:00,1,-1,",
      "",
    ].join("\n"),
  );
  await s3.store.write(
    "given/orders/orders.csv",
    "order_id,user_id,created_at,revenue\no1,u1,2024-01-01 08:00:00,40\n",
  );
  await s3.store.write(
    "given/order_lines/lines.csv",
    [header, "o1,Plant A,,,2,10,", "o9,Plant B,,,1,7,", ""].join("\n"),
  );
});

function env(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...s3.env,
    DUCKMART_WAREHOUSE: join(dir, name, "warehouse.duckdb"),
    DUCKMART_WORK_DIR: join(dir, name, "work"),
    DUCKMART_PUBLISH_PREFIX: `marts-${name}`,
    DUCKMART_MAX_QUARANTINE_RATIO: "1",
    ...extra,
  };
}

describe("orders derived from order lines", () => {
  const derived = () =>
    env("derived", {
      DUCKMART_RAW_PREFIX: "derived",
      DUCKMART_ORDERS_FROM_LINES: "true",
      DUCKMART_CATEGORY_RULES: rules,
    });

  it("takes user, time and currency from the first line and sums the lines", async () => {
    const result = await runCli(["run"], derived());
    expect(result.code, result.stderr).toBe(0);
    const warehouse = derived().DUCKMART_WAREHOUSE as string;
    const orders = await inspectWarehouse(warehouse, (w) =>
      w.all<{ order_id: string; user_id: string; revenue: number }>(
        "select order_id, user_id, revenue from staging.stg_orders order by order_id",
      ),
    );
    expect(orders).toEqual([
      { order_id: "o1", user_id: "u2", revenue: 23 },
      { order_id: "o2", user_id: "u3", revenue: 24 },
    ]);
    const quarantined = await inspectWarehouse(warehouse, (w) =>
      w.all<{ order_id: string; reason: string }>(
        "select order_id, reason from staging.stg_order_lines_quarantine order by order_id",
      ),
    );
    expect(quarantined).toEqual([
      { order_id: "o3", reason: "non_positive_quantity" },
      { order_id: "o4", reason: "negative_price" },
    ]);
    const categories = await inspectWarehouse(warehouse, (w) =>
      w.all<{ product: string; category: string; user_id: string }>(
        "select product, category, user_id from intermediate.int_order_lines order by product",
      ),
    );
    expect(categories).toEqual([
      { product: "Clay pot", category: "pots", user_id: "u2" },
      { product: "Gift card", category: "Gifts", user_id: "u3" },
      { product: "Plant A", category: "plants", user_id: "u2" },
      { product: "Plant B", category: "plants", user_id: "u3" },
      { product: "Seeds", category: "(other)", user_id: "u2" },
    ]);
    const monthly = await inspectWarehouse(warehouse, (w) =>
      w.all<{ month: Date; category: string; revenue: number; revenue_share: number }>(
        "select month, category, revenue, revenue_share from main.mart_category_monthly order by month, category",
      ),
    );
    expect(monthly.map((row) => [row.category, row.revenue, row.revenue_share])).toEqual([
      ["(other)", 3, 3 / 23],
      ["plants", 10, 10 / 23],
      ["pots", 10, 10 / 23],
      ["Gifts", 20, 20 / 24],
      ["plants", 4, 4 / 24],
    ]);
    // u2's first order: plants and pots tie at 10, the smaller text wins.
    const byCategory = await inspectWarehouse(warehouse, (w) =>
      w.all<{ value: string; users: number }>(
        "select value, users from main.mart_return_rates where dimension = 'category' order by value",
      ),
    );
    expect(byCategory).toEqual([
      { value: "Gifts", users: 1 },
      { value: "plants", users: 1 },
    ]);
  });

  it("rebuilds exactly the models that read the category rules when they change", async () => {
    const changed = JSON.stringify([{ match: "seed", category: "seeds" }]);
    const result = await runCli(["run"], { ...derived(), DUCKMART_CATEGORY_RULES: changed });
    expect(result.code, result.stderr).toBe(0);
    const built = await inspectWarehouse(derived().DUCKMART_WAREHOUSE as string, (w) =>
      w.all<{ model: string }>(
        `select model from meta.model_builds
         where status = 'built' and run_id = (select run_id from meta.runs order by started_at desc limit 1)
         order by model`,
      ),
    );
    expect(built.map((row) => row.model)).toEqual([
      "int_first_order_categories",
      "int_order_lines",
      "mart_category_monthly",
      "mart_return_rates",
    ]);
  });

  it("stops at start on a rule that is not a regular expression, naming it", async () => {
    const bad = JSON.stringify([{ match: "(unclosed", category: "x" }]);
    const result = await runCli(["run"], { ...derived(), DUCKMART_CATEGORY_RULES: bad });
    expect(result.code).not.toBe(0);
    expect(lastLine(result.stderr)).toMatch(/categoryRules\[0\]\.match "\(unclosed"/);
  });
});

describe("order lines beside an orders export", () => {
  it("keeps lines of unknown orders in staging but out of the marts", async () => {
    const given = env("given", { DUCKMART_RAW_PREFIX: "given" });
    const result = await runCli(["run"], given);
    expect(result.code, result.stderr).toBe(0);
    const [counts] = await inspectWarehouse(given.DUCKMART_WAREHOUSE as string, (w) =>
      w.all<{ staged: number; used: number; revenue: number }>(
        `select (select count(*) from staging.stg_order_lines) as staged,
                (select count(*) from intermediate.int_order_lines) as used,
                (select sum(revenue) from main.mart_category_monthly) as revenue`,
      ),
    );
    expect(counts).toEqual({ staged: 2, used: 1, revenue: 20 });
  });
});
