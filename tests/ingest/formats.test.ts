import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import type { FileFormat } from "../../src/ingest/file-format.ts";
import { formatForKey } from "../../src/ingest/formats.ts";
import { quoteNumbers } from "../../src/ingest/jsonl-format.ts";
import { type FileToLoad, loadBatch } from "../../src/ingest/load-batch.ts";
import { resolveSources } from "../../src/sources/resolve-sources.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tempDir } from "../support/temp-dir.ts";
import { fixtureWarehouse } from "../support/warehouse.ts";

const dir = tempDir("formats");
let warehouse: Warehouse;
const orders = resolveSources({ sources: {} }).find(
  (s) => s.declaration.name === "orders",
) as ReturnType<typeof resolveSources>[number];

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
});

let counter = 0;
/**
 * One CSV batch of orders files named after `bodies`' keys, written under
 * `raw/orders/{prefix}/` (and into the scratch folder under that prefix).
 */
function csvBatch(
  prefix: string,
  bodies: Record<string, string>,
  lastModified = new Date("2024-02-01T00:00:00Z"),
): FileToLoad[] {
  const csv = formatForKey("x.csv");
  if (!csv) throw new Error("no csv format");
  return Object.entries(bodies).map(([name, body]) => {
    const path = join(dir, `${prefix}-${name}`);
    writeFileSync(path, body);
    return {
      object: { key: `raw/orders/${prefix}/${name}`, etag: "e", size: body.length, lastModified },
      source: orders,
      format: csv,
      localPath: path,
      replaces: false,
    };
  });
}

async function load(name: string, body: string | Buffer, maxRejectRatio = 1) {
  counter += 1;
  const path = join(dir, `${counter}-${name}`);
  writeFileSync(path, body);
  const key = `raw/orders/${counter}/${name}`;
  const format = formatForKey(key);
  if (!format) throw new Error(`no format for ${name}`);
  const [result] = await loadBatch(
    warehouse,
    [
      {
        object: {
          key,
          etag: `e${counter}`,
          size: 1,
          lastModified: new Date("2024-01-01T00:00:00Z"),
        },
        source: orders,
        format,
        localPath: path,
        replaces: false,
      },
    ],
    { runId: "test", maxRejectRatio, scratchDir: dir },
  );
  if (!result) throw new Error("no result");
  const rows = await warehouse.all(
    "select * exclude (_file_key, _file_modified, _run_id) from raw.orders where _file_key = $1 order by _file_row",
    [key],
  );
  return { result, rows };
}

const header = "order_id,user_id,created_at,revenue";

describe("typing at load (SPEC §1)", () => {
  it("keeps microseconds, accepts a T separator, and turns empty strings into NULL", async () => {
    const { result, rows } = await load(
      "a.csv",
      `${header},currency\no1,u1,2024-01-01T10:00:00.123456,1.5,\n`,
    );
    expect(result.status).toBe("loaded");
    expect(rows[0]).toMatchObject({ order_id: "o1", revenue: 1.5, currency: null });
    const [micros] = await warehouse.all<{ us: number }>(
      "select microsecond(created_at) as us from raw.orders where order_id = 'o1'",
    );
    expect(micros?.us).toBe(123456);
  });

  it("reads a T separator exactly as a space, with or without seconds and fractions", async () => {
    const times = ["10:00", "10:00:59", "10:00:59.5", "10:00:59.123456", "10:00:59.123456789"];
    const lines = times.flatMap((time, i) => [
      `t${i},u,2024-01-01T${time},1`,
      `s${i},u,2024-01-01 ${time},1`,
    ]);
    const { result } = await load("t-separator.csv", `${header}\n${lines.join("\n")}\n`);
    expect(result).toMatchObject({ status: "loaded", rowsLoaded: 10, rowsRejected: 0 });
    const micros = await warehouse.all<{ order_id: string; us: number }>(
      "select order_id, epoch_us(created_at) as us from raw.orders where _file_key like '%/t-separator.csv'",
    );
    const byId = new Map(micros.map((row) => [row.order_id, row.us]));
    for (const i of times.keys()) expect(byId.get(`t${i}`)).toBe(byId.get(`s${i}`));
    expect(byId.get("t3")).toBe(Date.UTC(2024, 0, 1, 10, 0, 59) * 1000 + 123456);
  });

  it.each([
    ["NaN revenue", "o,u,2024-01-01 10:00:00,NaN", "revenue"],
    ["Infinity revenue", "o,u,2024-01-01 10:00:00,Infinity", "revenue"],
    ["text revenue", "o,u,2024-01-01 10:00:00,abc", "revenue"],
    ["zone offset", "o,u,2024-01-01 10:00:00+03:00,1", "created_at"],
    ["impossible date", "o,u,2024-02-30 10:00:00,1", "created_at"],
  ])("rejects %s naming the column", async (_label, line, column) => {
    const { result } = await load("b.csv", `${header}\n${line}\n`);
    expect(result).toMatchObject({ status: "loaded", rowsRead: 1, rowsLoaded: 0, rowsRejected: 1 });
    const [rejected] = await warehouse.all<{ column_name: string }>(
      "select column_name from meta.rejected_rows order by rowid desc limit 1",
    );
    expect(rejected?.column_name).toBe(column);
  });

  it("rejects a fractional tickets_count instead of rounding it", async () => {
    const { result } = await load(
      "c.csv",
      `${header},tickets_count\no,u,2024-01-01 10:00:00,1,2.5\np,u,2024-01-01 10:00:00,1,3\n`,
    );
    expect(result).toMatchObject({ rowsRead: 2, rowsLoaded: 1, rowsRejected: 1 });
  });
});

describe("formats", () => {
  it("reads CSV with BOM and CRLF", async () => {
    const { rows } = await load("bom.csv", `\uFEFF${header}\r\no1,u1,2024-01-01 10:00:00,2\r\n`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ order_id: "o1" });
  });

  it("reads gzip CSV and fails a truncated one as a whole", async () => {
    const gz = gzipSync(`${header}\no1,u1,2024-01-01 10:00:00,2\n`.repeat(1));
    expect((await load("ok.csv.gz", gz)).rows).toHaveLength(1);
    const truncated = await load(
      "bad.csv.gz",
      gzipSync(`${header}\n${"o1,u1,2024-01-01 10:00:00,2\n".repeat(5000)}`).subarray(0, 200),
    );
    expect(truncated.result.status).toBe("failed");
    expect(truncated.result.reason).toMatch(/cannot be read/);
  });

  it("fails a 0-byte file and loads a header-only file as 0 rows", async () => {
    expect((await load("empty.csv", "")).result).toMatchObject({
      status: "failed",
      reason: "is empty: no header row",
    });
    expect((await load("header.csv", `${header}\n`)).result).toMatchObject({
      status: "loaded",
      rowsRead: 0,
    });
  });

  it("reads JSON Lines: exact big ids, union of keys, broken lines rejected", async () => {
    const lines = [
      '{"order_id": 18446744073709551617, "user_id": "u", "created_at": "2024-01-01 10:00:00", "revenue": 1e2}',
      "{not json",
      '{"order_id": "o2", "user_id": "u", "created_at": "2024-01-01 10:00:00", "revenue": 3, "device": "touch"}',
      "[1, 2]",
    ];
    const { result, rows } = await load("a.jsonl", `${lines.join("\n")}\n`);
    expect(result).toMatchObject({ status: "loaded", rowsRead: 4, rowsLoaded: 2, rowsRejected: 2 });
    expect(rows.map((r) => r.order_id)).toEqual(["18446744073709551617", "o2"]);
    expect(rows.map((r) => r._file_row)).toEqual([1, 3]);
    expect(rows[0]).toMatchObject({ revenue: 100, device: null });
  });

  it("fails a file whose rejected share exceeds maxRejectRatio, naming the first bad row", async () => {
    const { result } = await load(
      "many.csv",
      `${header}\no1,u,2024-01-01 10:00:00,x\no2,u,2024-01-01 10:00:00,1\n`,
      0.01,
    );
    expect(result.status).toBe("failed");
    expect(result.reason).toMatch(/1 of 2 rows rejected .* first: row 1: revenue/);
  });

  it("quotes numbers outside strings only", () => {
    expect(quoteNumbers('{"a": -1.5e3, "b": "12", "c": [1, true]}')).toBe(
      '{"a": "-1.5e3", "b": "12", "c": ["1", true]}',
    );
    expect(quoteNumbers('{"a\\"1": 2}')).toBe('{"a\\"1": "2"}');
  });
});

describe("batches", () => {
  it("loads files of one batch by their own headers, numbers rows per file, and isolates a bad file", async () => {
    const bodies = {
      "a.csv": `${header}\na1,u,2024-01-01 10:00:00,1\na2,u,2024-01-01 10:00:00,2\n`,
      "b.csv": "revenue,created_at,user_id,order_id\n3,2024-01-01 10:00:00,u,b1\n",
      "c.csv": "order_id,user_id\nc1,u\n",
      "d.csv": `${header}\nd1,u,2024-01-01 10:00:00,4\nd2,u,2024-01-01 10:00:00,5\nd3,u,2024-01-01 10:00:00,6\n`,
    };
    const batch = csvBatch("batch", bodies);
    const results = await loadBatch(warehouse, batch, {
      runId: "batch",
      maxRejectRatio: 0,
      scratchDir: dir,
    });
    expect(results.map((r) => [r.key.split("/").pop(), r.status, r.rowsLoaded])).toEqual([
      ["a.csv", "loaded", 2],
      ["b.csv", "loaded", 1],
      ["c.csv", "failed", 0],
      ["d.csv", "loaded", 3],
    ]);
    expect(results[2]?.reason).toBe("missing required columns created_at, revenue");
    const rows = await warehouse.all<{ order_id: string; revenue: number; _file_row: number }>(
      "select order_id, revenue, _file_row from raw.orders where _run_id = 'batch' order by order_id",
    );
    expect(rows).toEqual([
      { order_id: "a1", revenue: 1, _file_row: 1 },
      { order_id: "a2", revenue: 2, _file_row: 2 },
      { order_id: "b1", revenue: 3, _file_row: 1 },
      { order_id: "d1", revenue: 4, _file_row: 1 },
      { order_id: "d2", revenue: 5, _file_row: 2 },
      { order_id: "d3", revenue: 6, _file_row: 3 },
    ]);
  });

  it("keeps apart gzip files of one batch that share a base name", async () => {
    const csv = formatForKey("x.csv.gz");
    if (!csv) throw new Error("no csv.gz format");
    const days = ["2024-03-01", "2024-03-02", "2024-03-03"];
    const batch = days.map((day, index) => {
      const path = join(dir, `gz-${index}-part-000.csv.gz`);
      writeFileSync(path, gzipSync(`${header}\ngz-${day},u,${day} 10:00:00,${index + 1}\n`));
      return {
        object: {
          key: `raw/orders/dt=${day}/part-000.csv.gz`,
          etag: "e",
          size: 1,
          lastModified: new Date("2024-03-04T00:00:00Z"),
        },
        source: orders,
        format: csv,
        localPath: path,
        replaces: false,
      };
    });
    const results = await loadBatch(warehouse, batch, {
      runId: "gz-names",
      maxRejectRatio: 0,
      scratchDir: dir,
    });
    expect(results.map((r) => r.status)).toEqual(["loaded", "loaded", "loaded"]);
    const rows = await warehouse.all<{ order_id: string; _file_key: string }>(
      "select order_id, _file_key from raw.orders where _run_id = 'gz-names' order by order_id",
    );
    expect(rows).toEqual(
      days.map((day) => ({
        order_id: `gz-${day}`,
        _file_key: `raw/orders/dt=${day}/part-000.csv.gz`,
      })),
    );
  });

  it("reads same-header files in one statement yet accounts for each: rows, rejects, numbering, failures", async () => {
    const good = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix}${i + 1},u,2024-01-01 10:00:00,${i + 1}`);
    const bodies: Record<string, string> = {
      // Clean.
      "a.csv": `${header}\n${good("a", 3).join("\n")}\n`,
      // A short row (reader reject, row 2) and a bad timestamp (typed reject, row 4).
      "b.csv": `${header}\nb1,u,2024-01-01 10:00:00,1\nb2,u\nb3,u,2024-01-01 10:00:00,3\nb4,u,2024-01-01 25:00:00,4\nb5,u,2024-01-01 10:00:00,5\n`,
      // A quote opened and never closed: the rows after it must not vanish silently.
      "c.csv": `${header}\nc1,u,2024-01-01 10:00:00,1\nc2,"u,2024-01-01 10:00:00,2\nc3,u,2024-01-01 10:00:00,3\n`,
      // Header only.
      "d.csv": `${header}\n`,
      // Clean, after the broken ones: numbered from 1 again.
      "e.csv": `${header}\n${good("e", 2).join("\n")}\n`,
      // Too many rejects for maxRejectRatio 0.3: fails, naming the first.
      "f.csv": `${header}\nf1,u,2024-01-01 10:00:00,x\nf2,u,2024-01-01 10:00:00,2\n`,
    };
    const batch = csvBatch("same-header", bodies);
    const results = await loadBatch(warehouse, batch, {
      runId: "same-header",
      maxRejectRatio: 0.45,
      scratchDir: dir,
    });
    expect(
      results.map((r) => [
        r.key.split("/").pop(),
        r.status,
        r.rowsRead,
        r.rowsLoaded,
        r.rowsRejected,
      ]),
    ).toEqual([
      ["a.csv", "loaded", 3, 3, 0],
      ["b.csv", "loaded", 5, 3, 2],
      ["c.csv", "failed", 0, 0, 0],
      ["d.csv", "loaded", 0, 0, 0],
      ["e.csv", "loaded", 2, 2, 0],
      ["f.csv", "failed", 0, 0, 0],
    ]);
    expect(results[2]?.reason).toBe(
      "cannot be read as CSV: the quoted field opened on line 3 (row 2) is never closed",
    );
    expect(results[5]?.reason).toMatch(/^1 of 2 rows rejected .* first: row 1: revenue/);
    const rows = await warehouse.all<{ order_id: string; _file_row: number }>(
      "select order_id, _file_row from raw.orders where _run_id = 'same-header' order by _file_key, _file_row",
    );
    expect(rows.map((r) => `${r.order_id}@${r._file_row}`)).toEqual([
      "a1@1",
      "a2@2",
      "a3@3",
      "b1@1",
      "b3@3",
      "b5@5",
      "e1@1",
      "e2@2",
    ]);
    const rejects = await warehouse.all<{
      file_key: string;
      file_row: number;
      column_name: string | null;
    }>(
      "select file_key, file_row, column_name from meta.rejected_rows where run_id = 'same-header' order by file_key, file_row",
    );
    expect(rejects).toEqual([
      { file_key: "raw/orders/same-header/b.csv", file_row: 2, column_name: null },
      { file_key: "raw/orders/same-header/b.csv", file_row: 4, column_name: "created_at" },
    ]);
  });

  it("adds the extra column of a header-only file to the raw table, beside a file with rows", async () => {
    const bodies = {
      "empty.csv": `${header},header_only_note\n`,
      "rows.csv": `${header}\nr1,u,2024-01-01 10:00:00,1\n`,
    };
    const batch = csvBatch("header-only", bodies, new Date(0));
    const results = await loadBatch(warehouse, batch, {
      runId: "header-only",
      maxRejectRatio: 0,
      scratchDir: dir,
    });
    expect(results.map((r) => [r.status, r.rowsLoaded])).toEqual([
      ["loaded", 0],
      ["loaded", 1],
    ]);
    const columns = await warehouse.all<{ column_name: string }>(
      "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = 'orders' and column_name = 'header_only_note'",
    );
    expect(columns).toHaveLength(1);
  });

  it("fails a file whose rows do not all reach the loader, instead of loading fewer", async () => {
    // A format that loses a row between its reader and its relation (none is known to).
    const leaky: FileFormat = {
      name: "csv",
      extensions: [".csv"],
      async stage(session, files, { typing }) {
        const rows =
          "(values (0, 1, 'l1', 'u', '2024-01-01 10:00:00', '1')) as t(_file_id, _file_row, order_id, user_id, created_at, revenue)";
        await session.run(
          `create or replace temp table staged_leaky as ${typing.select(["order_id", "user_id", "created_at", "revenue"], rows, ["_file_id", "_file_row"])}`,
        );
        const columns = ["order_id", "user_id", "created_at", "revenue"];
        return {
          files: new Map(
            files.map((file) => [file.fileId, { ok: true, columns, rejects: [], rows: 2 }]),
          ),
          relation: "select * from staged_leaky",
          columns,
        };
      },
    };
    const [result] = await loadBatch(
      warehouse,
      [
        {
          object: { key: "raw/orders/leaky.csv", etag: "e", size: 1, lastModified: new Date(0) },
          source: orders,
          format: leaky,
          localPath: join(dir, "leaky.csv"),
          replaces: false,
        },
      ],
      { runId: "leaky", maxRejectRatio: 1, scratchDir: dir },
    );
    expect(result).toMatchObject({
      status: "failed",
      reason: "cannot be read as csv: the reader returned 2 rows but 1 reached the loader",
    });
    expect(
      await warehouse.all("select * from raw.orders where _file_key = 'raw/orders/leaky.csv'"),
    ).toEqual([]);
  });
});
