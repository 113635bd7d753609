import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load-settings.ts";
import { checkSourceMappings } from "../../src/ingest/check-mappings.ts";
import { formatForKey } from "../../src/ingest/formats.ts";
import { loadBatch } from "../../src/ingest/load-batch.ts";
import { ensureRawTables } from "../../src/ingest/raw-tables.ts";
import { type ResolvedSource, resolveSources } from "../../src/sources/resolve-sources.ts";
import { sourcesSettingSchema } from "../../src/sources/source-settings.ts";
import { migrate } from "../../src/warehouse/migrate.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tempDir } from "../support/temp-dir.ts";

const dir = tempDir("source-mappings");
let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await Warehouse.open(":memory:");
  await migrate(warehouse);
});
afterAll(() => warehouse.close());

function source(setting: unknown, name = "orders"): ResolvedSource {
  const found = resolveSources({ sources: sourcesSettingSchema.parse(setting) }).find(
    (s) => s.declaration.name === name,
  );
  if (!found) throw new Error(`no source ${name}`);
  return found;
}

let counter = 0;
/** Loads one file through the real loader into a fresh raw table; returns its rows and rejects. */
async function load(mapped: ResolvedSource, name: string, body: string, key?: string) {
  counter += 1;
  const path = join(dir, `${counter}-${name}`);
  writeFileSync(path, body);
  const objectKey = key ?? `raw/${mapped.declaration.name}/${counter}/${name}`;
  const format = formatForKey(objectKey);
  if (!format) throw new Error(`no format for ${name}`);
  await ensureRawTables(warehouse, [mapped.declaration]);
  const [result] = await loadBatch(
    warehouse,
    [
      {
        object: { key: objectKey, etag: `e${counter}`, size: 1, lastModified: new Date(0) },
        source: mapped,
        format,
        localPath: path,
        replaces: true,
      },
    ],
    { runId: `run-${counter}`, maxRejectRatio: 1, scratchDir: dir },
  );
  const table = `raw.${mapped.declaration.name}`;
  const rows = await warehouse.all<Record<string, unknown>>(
    `select * exclude (_file_key, _file_modified, _run_id) from ${table} where _file_key = $1 order by _file_row`,
    [objectKey],
  );
  const rejects = await warehouse.all<{ file_row: number; column_name: string; reason: string }>(
    "select file_row, column_name, reason from meta.rejected_rows where run_id = $1 order by file_row",
    [`run-${counter}`],
  );
  return { result, rows, rejects, key: objectKey };
}

describe("export mappings (SPEC §1.1)", () => {
  it("feeds contract columns from differently named export columns, case-insensitively", async () => {
    const mapped = source({
      orders: {
        columns: {
          order_id: "Order ID",
          user_id: { from: "CUSTOMER" },
          created_at: "Buy Ts",
          revenue: "Revenue",
        },
      },
    });
    const { result, rows } = await load(
      mapped,
      "a.csv",
      "Order ID,customer,Buy Ts,Revenue,Note\nA-1,u1,2024-01-01 10:00:00,2.5,kept\n",
    );
    expect(result).toMatchObject({ status: "loaded", rowsLoaded: 1 });
    expect(rows[0]).toMatchObject({
      order_id: "A-1",
      user_id: "u1",
      revenue: 2.5,
      note: "kept",
      _file_row: 1,
    });
  });

  it("reads another CSV dialect: semicolons, a quote character, decimal commas", async () => {
    const mapped = source(
      { costs: { csv: { delimiter: ";", quote: "'", decimal: "," } } },
      "costs",
    );
    const { result, rows } = await load(
      mapped,
      "costs.csv",
      "dt;source_id;costs\n2024-01-01;'a;b';1234,5\n2024-01-02;c;7\n",
    );
    expect(result).toMatchObject({ status: "loaded", rowsLoaded: 2, rowsRejected: 0 });
    expect(rows.map((r) => [r.source_id, r.costs])).toEqual([
      ["a;b", 1234.5],
      ["c", 7],
    ]);
  });

  it("computes a column with a SQL expression over the export's text columns", async () => {
    const mapped = source({
      orders: {
        columns: { revenue: { sql: 'cast("Sales" as double) / cast("Quantity" as double)' } },
      },
    });
    const { rows } = await load(
      mapped,
      "b.csv",
      "order_id,user_id,created_at,Sales,Quantity\no1,u1,2024-01-01 10:00:00,9,3\n",
    );
    expect(rows[0]?.revenue).toBe(3);
    expect(rows[0]).toMatchObject({ sales: "9", quantity: "3" });
  });

  it("fails a file the expression does not fit, naming the setting", async () => {
    const mapped = source({ orders: { columns: { revenue: { sql: 'cast("Sales" as double)' } } } });
    const { result } = await load(
      mapped,
      "c.csv",
      "order_id,user_id,created_at,amount\no1,u1,2024-01-01 10:00:00,9\n",
    );
    expect(result?.status).toBe("failed");
    expect(result?.reason).toMatch(/sources\.orders\.columns\.revenue does not fit this file/);
  });

  it("parses timestamps and dates with strptime formats; a value that does not parse is a rejected row naming the column", async () => {
    const mapped = source({
      orders: { columns: { created_at: { from: "date", format: "%Y%m%d%H" } } },
      costs: { columns: { dt: { format: "%m/%d/%Y" } } },
    });
    const orders = await load(
      mapped,
      "d.csv",
      "order_id,user_id,date,revenue\no1,u1,2018100109,1\no2,u1,2018-10-01,1\n",
    );
    expect(orders.rows.map((r) => (r.created_at as Date).toISOString())).toEqual([
      "2018-10-01T09:00:00.000Z",
    ]);
    expect(orders.rejects).toEqual([
      {
        file_row: 2,
        column_name: "created_at",
        reason: "created_at: does not match format %Y%m%d%H",
      },
    ]);
    const costs = await load(
      source({ costs: { columns: { dt: { format: "%m/%d/%Y" } } } }, "costs"),
      "e.csv",
      "dt,source_id,costs\n11/8/2016,a,1\n",
    );
    expect(costs.rows.map((r) => (r.dt as Date).toISOString())).toEqual([
      "2016-11-08T00:00:00.000Z",
    ]);
  });

  it("fills a column the export lacks with a constant", async () => {
    const mapped = source({ orders: { columns: { currency: { value: "USD" } } } });
    const { rows } = await load(
      mapped,
      "f.csv",
      "order_id,user_id,created_at,revenue\no1,u1,2024-01-01 10:00:00,1\n",
    );
    expect(rows[0]?.currency).toBe("USD");
  });

  it("generates row keys {object key}:{record, 10 digits}, rejected records counted", async () => {
    const mapped = source({ orders: { columns: { order_id: { generate: "row" } } } });
    const key = "raw/orders/orders_log.csv";
    const body =
      "user_id,created_at,revenue\nu1,2024-01-01 10:00:00,1\nu2,not a time,1\nu3,2024-01-01 11:00:00,2\n";
    const first = await load(mapped, "g.csv", body, key);
    expect(first.rows.map((r) => r.order_id)).toEqual([
      "raw/orders/orders_log.csv:0000000001",
      "raw/orders/orders_log.csv:0000000003",
    ]);
    expect(first.rejects.map((r) => r.file_row)).toEqual([2]);
    // A re-export of the same object replaces its rows, ids included.
    const again = await load(
      mapped,
      "g.csv",
      "user_id,created_at,revenue\nu9,2024-01-02 10:00:00,5\n",
      key,
    );
    expect(again.rows).toEqual([
      expect.objectContaining({ order_id: "raw/orders/orders_log.csv:0000000001", user_id: "u9" }),
    ]);
  });
});

describe("exact lineage (_file_row is the record's position, rejected records counted)", () => {
  const orders = () => source({});

  it("numbers CSV records around malformed ones, multi-line fields counting once", async () => {
    const lines: string[] = [];
    for (let record = 1; record <= 20; record += 1) {
      if (record % 5 === 0) lines.push(`o${record},u,2024-01-01 10:00:00,1,extra`);
      else if (record === 7) lines.push(`o7,"multi\nline user",2024-01-01 10:00:00,1`);
      else lines.push(`o${record},u,2024-01-01 10:00:00,1`);
    }
    const { result, rows, rejects } = await load(
      orders(),
      "h.csv",
      `order_id,user_id,created_at,revenue\n${lines.join("\n")}\n`,
    );
    expect(result).toMatchObject({ rowsRead: 20, rowsLoaded: 16, rowsRejected: 4 });
    expect(rejects.map((r) => r.file_row)).toEqual([5, 10, 15, 20]);
    for (const row of rows) expect(row.order_id).toBe(`o${row._file_row}`);
  });

  it("numbers consecutive malformed CSV records", async () => {
    const body =
      "order_id,user_id,created_at,revenue\no1,u,2024-01-01 10:00:00,1\nbad\nbad\no4,u,2024-01-01 10:00:00,1\n";
    const { rows, rejects } = await load(orders(), "i.csv", body);
    expect(rejects.map((r) => r.file_row)).toEqual([2, 3]);
    expect(rows.map((r) => [r.order_id, r._file_row])).toEqual([
      ["o1", 1],
      ["o4", 4],
    ]);
  });

  it("numbers JSON Lines records without blank lines, broken ones counted", async () => {
    const record = (id: string) =>
      `{"order_id":"${id}","user_id":"u","created_at":"2024-01-01 10:00:00","revenue":1}`;
    const body = [record("o1"), "", "{broken", "", record("o3")].join("\n");
    const { rows, rejects } = await load(orders(), "j.jsonl", `${body}\n`);
    expect(rejects.map((r) => r.file_row)).toEqual([2]);
    expect(rows.map((r) => [r.order_id, r._file_row])).toEqual([
      ["o1", 1],
      ["o3", 3],
    ]);
  });
});

describe("mapping errors stop the run at start, naming the setting", () => {
  const loadWith = (sources: unknown) =>
    loadSettings({ file: "config/duckmart.yaml", env: {}, overrides: { sources } });

  it.each([
    [
      { orders: { columns: { price: "Price" } } },
      /sources\.orders\.columns\.price: orders has no column price/,
    ],
    [
      { orders: { key: ["user_id"] } },
      /sources\.orders\.key: the contract of built-in source orders is fixed/,
    ],
    [
      { orders: { columns: { revenue: { type: "text" } } } },
      /sources\.orders\.columns\.revenue\.type/,
    ],
    [
      { orders: { columns: { user_id: { format: "%Y" } } } },
      /sources\.orders\.columns\.user_id\.format: user_id is text/,
    ],
    [
      { orders: { columns: { order_id: { from: "a", sql: "b" } } } },
      /sources\.orders\.columns\.order_id: give one of/,
    ],
    [
      { refunds: { columns: { amount: "Amount" }, key: ["amount"] } },
      /sources\.refunds\.columns\.amount: refunds is not a built-in source/,
    ],
    [
      { refunds: { columns: { amount: { type: "double" } }, key: ["id"] } },
      /sources\.refunds\.key: id is not a declared column/,
    ],
    [
      { refunds: { columns: { amount: { type: "double" } } } },
      /sources\.refunds\.key: a user-defined source declares its key/,
    ],
    [
      { refunds: { prefix: "raw/orders/refunds", columns: { a: { type: "text" } }, key: ["a"] } },
      /sources\.refunds\.prefix: raw\/orders\/refunds overlaps/,
    ],
    [{ orders: { csv: { delimiter: ";;" } } }, /sources\.orders\.csv\.delimiter/],
    [{ Orders: {} }, /sources\.Orders/],
  ])("%j", (sources, message) => {
    expect(() => loadWith(sources)).toThrow(message);
  });

  it("takes the setting from the environment as JSON", () => {
    const settings = loadSettings({
      file: "config/duckmart.yaml",
      env: { DUCKMART_SOURCES: '{"orders": {"columns": {"order_id": {"generate": "row"}}}}' },
    });
    expect(settings.sources.orders?.columns.order_id).toEqual({ generate: "row" });
  });

  it("checks formats and SQL with DuckDB before loading", async () => {
    const mapped = resolveSources({
      sources: sourcesSettingSchema.parse({
        orders: {
          columns: { created_at: { format: "%Q" }, revenue: { sql: '"Sales" /' } },
        },
        refunds: {
          columns: { amount: { type: "double" } },
          key: ["amount"],
          rules: [{ reason: "negative_amount", when: "amount <" }],
        },
      }),
    });
    const check = checkSourceMappings(warehouse, mapped);
    await expect(check).rejects.toThrow(/sources\.orders\.columns\.created_at\.format: .*%Q/);
    await expect(check).rejects.toThrow(/sources\.orders\.columns\.revenue\.sql: syntax error/);
    await expect(check).rejects.toThrow(/sources\.refunds\.rules\[0\]\.when: syntax error/);
  });
});
