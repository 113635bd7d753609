import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";
import { fileLedger, unbalanced } from "./warehouse-ledger.ts";

/*
 * The hostile input corpus: one case per object, each with the outcome SPEC §1
 * asks for. Files with a bad row hold enough good rows that one reject stays
 * within the default maxRejectRatio (0.01), so the row-level outcome is what
 * is tested; files that must fail as a whole fail for their own reason.
 */

const ordersHeader = "order_id,user_id,created_at,revenue,currency,tickets_count,device";

/** `n` valid orders rows with ids `{prefix}{i}`. */
function orderRows(prefix: string, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `${prefix}${i},u${i % 50},2024-01-0${1 + (i % 9)} 10:00:00,${5 + (i % 7)},,1,desktop`,
  );
}

/** An orders CSV: header, then the rows, `bad` rows spliced in at `at` (0-based data row). */
function ordersCsv(prefix: string, n: number, bad: readonly string[] = [], at = n): string {
  const rows = orderRows(prefix, n);
  rows.splice(at, 0, ...bad);
  return `${ordersHeader}\n${rows.join("\n")}\n`;
}

/** `n` valid visits as JSON objects. */
function visitObjects(prefix: string, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    user_id: `${prefix}${i}`,
    session_start: "2024-01-03 10:00:00",
    session_end: "2024-01-03 10:05:00",
    device: "touch",
    source_id: String(1 + (i % 3)),
  }));
}

const jsonl = (lines: readonly string[]) => `${lines.join("\n")}\n`;

/** Expected outcome of one object. */
type Outcome =
  | {
      readonly kind: "loaded";
      /** Data rows in the file, counted by the test (not by the system). */
      readonly rows: number;
      /** Rejected rows: data row number, column (null: the reader rejected the row), reason. */
      readonly rejected: readonly { row: number; column: string | null; reason: RegExp }[];
    }
  | { readonly kind: "failed"; readonly reason: RegExp };

interface HostileCase {
  readonly key: string;
  /** What is hostile about it. */
  readonly what: string;
  readonly body: () => Buffer | string | Promise<Buffer>;
  readonly outcome: Outcome;
}

const scratch = tempDir("hostile-parquet");

/** Writes a Parquet file with DuckDB `COPY (query) TO` and returns its bytes. */
async function parquet(name: string, query: string): Promise<Buffer> {
  const path = join(scratch, `${name}.parquet`);
  const duck = await Warehouse.open(":memory:");
  try {
    await duck.run(`copy (${query}) to '${path}' (format parquet)`);
  } finally {
    duck.close();
  }
  return readFileSync(path);
}

const tenMegabytes = 10 * 1024 * 1024;
const invalidUtf8Row = Buffer.concat([
  Buffer.from("bad-utf8,u"),
  Buffer.from([0xff, 0xfe, 0xc3]),
  Buffer.from(",2024-01-05 10:00:00,5,,1,desktop\n"),
]);

const cases: readonly HostileCase[] = [
  {
    key: "raw/orders/unbalanced-quote.csv",
    what: "a quoted field opened on row 151 of 300 and never closed",
    body: () => ordersCsv("uq", 299, ['uq-bad,"u1,2024-01-05 10:00:00,5,,1,desktop'], 150),
    outcome: {
      kind: "failed",
      reason:
        /cannot be read as CSV: the quoted field opened on line 152 \(row 151\) is never closed/,
    },
  },
  {
    key: "raw/orders/unbalanced-quote-last-row.csv",
    what: "the last of 300 rows opens a quote",
    body: () => ordersCsv("uql", 299, ['uql-bad,"u1,2024-01-05 10:00:00,5,,1,desktop']),
    outcome: {
      kind: "failed",
      reason: /the quoted field opened on line 301 \(row 300\) is never closed/,
    },
  },
  {
    key: "raw/orders/stray-quotes.csv",
    what: 'text after a closing quote ("u1"x) and a quote inside an unquoted value (u"2)',
    body: () =>
      ordersCsv("sq", 298, [
        'sq-bad,"u1"x,2024-01-05 10:00:00,5,,1,desktop',
        'sq-kept,u"2,2024-01-05 10:00:00,5,,1,desktop',
      ]),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [{ row: 299, column: null, reason: /^unquoted value/ }],
    },
  },
  {
    key: "raw/orders/wrong-column-count.csv",
    what: "one row with a column too many, one with four too few, among 300",
    body: () =>
      ordersCsv(
        "cc",
        298,
        ["cc-long,u1,2024-01-05 10:00:00,5,,1,desktop,extra", "cc-short,u1,2024-01-05 10:00:00"],
        100,
      ),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [
        { row: 101, column: null, reason: /^too many columns/ },
        // DuckDB reports this row once per missing column: it must count once.
        { row: 102, column: null, reason: /^missing columns/ },
      ],
    },
  },
  {
    key: "raw/orders/text-in-numeric.csv",
    what: "revenue 'abc' and tickets_count '2.5' (would round) among 300 rows",
    body: () =>
      ordersCsv("tn", 298, [
        "tn-abc,u1,2024-01-05 10:00:00,abc,,1,desktop",
        "tn-frac,u1,2024-01-05 10:00:00,5,,2.5,desktop",
      ]),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [
        { row: 299, column: "revenue", reason: /invalid number/ },
        { row: 300, column: "tickets_count", reason: /invalid integer/ },
      ],
    },
  },
  {
    key: "raw/orders/invalid-timestamps.csv",
    what: "month 13, a word, 30 February and a zone offset among 500 rows",
    body: () =>
      ordersCsv("ts", 496, [
        "ts-month,u1,2024-13-05 10:00:00,5,,1,desktop",
        "ts-word,u1,yesterday,5,,1,desktop",
        "ts-feb,u1,2024-02-30 10:00:00,5,,1,desktop",
        "ts-zone,u1,2024-01-05T10:00:00+03:00,5,,1,desktop",
      ]),
    outcome: {
      kind: "loaded",
      rows: 500,
      rejected: [497, 498, 499, 500].map((row) => ({
        row,
        column: "created_at",
        reason: /invalid timestamp/,
      })),
    },
  },
  {
    key: "raw/orders/missing-required-column.csv",
    what: "a header without revenue",
    body: () => "order_id,user_id,created_at\nm1,u1,2024-01-05 10:00:00\n",
    outcome: { kind: "failed", reason: /missing required column revenue$/ },
  },
  {
    key: "raw/orders/zero-bytes.csv",
    what: "a 0-byte CSV",
    body: () => "",
    outcome: { kind: "failed", reason: /is empty: no header row/ },
  },
  {
    key: "raw/visits/zero-bytes.jsonl",
    what: "a 0-byte JSON Lines file",
    body: () => "",
    outcome: { kind: "failed", reason: /is empty: no JSON lines/ },
  },
  {
    key: "raw/orders/header-only.csv",
    what: "a header and no rows (a day without orders)",
    body: () => `${ordersHeader}\n`,
    outcome: { kind: "loaded", rows: 0, rejected: [] },
  },
  {
    key: "raw/orders/bom.csv",
    what: "a UTF-8 byte order mark before the header",
    body: () => `\uFEFF${ordersCsv("bom", 3)}`,
    outcome: { kind: "loaded", rows: 3, rejected: [] },
  },
  {
    key: "raw/orders/crlf.csv",
    what: "CRLF line ends",
    body: () => `${ordersHeader}\r\n${orderRows("crlf", 3).join("\r\n")}\r\n`,
    outcome: { kind: "loaded", rows: 3, rejected: [] },
  },
  {
    key: "raw/orders/truncated.csv.gz",
    what: "a gzip stream cut after 300 bytes",
    body: () => gzipSync(ordersCsv("gz", 2000)).subarray(0, 300),
    outcome: { kind: "failed", reason: /cannot be read: gzip unexpected end of file/ },
  },
  {
    key: "raw/orders/invalid-utf8.csv",
    what: "bytes FF FE C3 in one value among 300 rows",
    body: () =>
      Buffer.concat([Buffer.from(ordersCsv("iu", 299).replace(/\n$/, "\n")), invalidUtf8Row]),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [{ row: 300, column: null, reason: /^invalid encoding/ }],
    },
  },
  {
    key: "raw/visits/invalid-utf8.jsonl",
    what: "an invalid UTF-8 byte inside a JSON string among 300 lines",
    body: () =>
      Buffer.concat([
        Buffer.from(jsonl(visitObjects("iuj", 299).map((o) => JSON.stringify(o)))),
        Buffer.from('{"user_id": "iuj-'),
        Buffer.from([0xff]),
        Buffer.from(
          '", "session_start": "2024-01-03 10:00:00", "session_end": "2024-01-03 10:05:00"}\n',
        ),
      ]),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [{ row: 300, column: null, reason: /^invalid UTF-8$/ }],
    },
  },
  {
    key: "raw/orders/ten-megabyte-field.csv",
    what: "a 10 MB device value",
    body: () =>
      `${ordersHeader}\nbig1,u1,2024-01-05 10:00:00,5,,1,${"x".repeat(tenMegabytes)}\nbig2,u2,2024-01-05 10:00:00,5,,1,short\n`,
    outcome: { kind: "loaded", rows: 2, rejected: [] },
  },
  {
    key: "raw/visits/broken-lines.jsonl",
    what: "a cut-off line, an array and a bare NaN among 400 lines",
    body: () => {
      const lines = visitObjects("bl", 397).map((o) => JSON.stringify(o));
      lines.splice(100, 0, '{"user_id": "bl-cut", "session_start": "2024-01-03 1');
      lines.splice(200, 0, "[1, 2, 3]");
      lines.splice(300, 0, '{"user_id": "bl-nan", "source_id": NaN}');
      return jsonl(lines);
    },
    outcome: {
      kind: "loaded",
      rows: 400,
      rejected: [
        { row: 101, column: null, reason: /^invalid JSON/ },
        { row: 201, column: null, reason: /^not a JSON object$/ },
        { row: 301, column: null, reason: /^invalid JSON/ },
      ],
    },
  },
  {
    key: "raw/visits/clashing-keys.jsonl",
    what: "one line with both user_id and User_ID (one column, two values) among 300",
    body: () =>
      jsonl([
        ...visitObjects("ck", 299).map((o) => JSON.stringify(o)),
        '{"user_id": "a", "User_ID": "b", "session_start": "2024-01-03 10:00:00", "session_end": "2024-01-03 10:05:00"}',
      ]),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [{ row: 300, column: null, reason: /names the same column as another key/ }],
    },
  },
  {
    key: "raw/orders/wrong-types.parquet",
    what: "order_id DECIMAL(38,0) above 2^64, user_id BIGINT, created_at TIMESTAMP, revenue VARCHAR with one 'abc', tickets_count INTEGER",
    body: () =>
      parquet(
        "wrong-types",
        `select (18446744073709551616::decimal(38, 0) + i)::decimal(38, 0) as order_id, i::bigint as user_id,
           timestamp '2024-01-05 10:00:00.123456' + to_seconds(i) as created_at,
           case when i = 150 then 'abc' else (i * 1.25)::varchar end as revenue,
           (i % 4)::integer as tickets_count
         from range(300) t(i)`,
      ),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [{ row: 151, column: "revenue", reason: /invalid number/ }],
    },
  },
  {
    key: "raw/orders/epoch-timestamps.parquet",
    what: "created_at as BIGINT seconds since 1970: no row has a valid timestamp",
    body: () =>
      parquet(
        "epoch",
        "select 'ep' || i as order_id, 'u1' as user_id, (1704448800 + i)::bigint as created_at, 5.0 as revenue from range(300) t(i)",
      ),
    outcome: {
      kind: "failed",
      reason:
        /300 of 300 rows rejected \(100\.0%\), more than maxRejectRatio 0\.01; first: row 1: created_at invalid timestamp/,
    },
  },
  {
    key: "raw/orders/row-number-column.parquet",
    what: "a column named file_row_number, which DuckDB's Parquet reader reserves",
    body: () =>
      parquet(
        "row-number",
        "select 'rn' || i as order_id, 'u1' as user_id, timestamp '2024-01-05 10:00:00' as created_at, 5.0 as revenue, i as file_row_number from range(5) t(i)",
      ),
    outcome: { kind: "failed", reason: /column file_row_number cannot be loaded from Parquet/ },
  },
  {
    key: "raw/orders/zero-bytes.parquet",
    what: "a 0-byte Parquet file",
    body: () => "",
    outcome: { kind: "failed", reason: /cannot be read as Parquet/ },
  },
  {
    key: "raw/orders/nan-infinity.csv",
    what: "revenue NaN, Infinity, -inf and nan among 500 rows",
    body: () =>
      ordersCsv(
        "nan",
        496,
        ["NaN", "Infinity", "-inf", "nan"].map(
          (value, i) => `nan-bad${i},u1,2024-01-05 10:00:00,${value},,1,desktop`,
        ),
        10,
      ),
    outcome: {
      kind: "loaded",
      rows: 500,
      rejected: [11, 12, 13, 14].map((row) => ({
        row,
        column: "revenue",
        reason: /NaN and Infinity are not allowed/,
      })),
    },
  },
  {
    key: "raw/orders/nan-infinity.parquet",
    what: "a DOUBLE revenue holding NaN and +Infinity in 2 of 300 rows",
    body: () =>
      parquet(
        "nan",
        `select 'nanp' || i as order_id, 'u1' as user_id, timestamp '2024-01-05 10:00:00' as created_at,
           case i when 7 then 'nan'::double when 8 then 'inf'::double else i * 1.5 end as revenue
         from range(300) t(i)`,
      ),
    outcome: {
      kind: "loaded",
      rows: 300,
      rejected: [8, 9].map((row) => ({ row, column: "revenue", reason: /not allowed/ })),
    },
  },
  {
    key: "raw/orders/ids-beyond-2-64.csv",
    what: "order_id 2^64 + 1 and a 30-digit user_id",
    body: () =>
      `${ordersHeader}\n18446744073709551617,123456789012345678901234567890,2024-01-05 10:00:00,5,,1,desktop\n`,
    outcome: { kind: "loaded", rows: 1, rejected: [] },
  },
  {
    key: "raw/visits/ids-beyond-2-64.jsonl",
    what: "user_id and source_id as JSON number literals beyond 2^64 and 2^128",
    body: () =>
      jsonl([
        '{"user_id": 18446744073709551617, "session_start": "2024-01-03 10:00:00", "session_end": "2024-01-03 10:05:00", "source_id": 340282366920938463463374607431768211457}',
      ]),
    outcome: { kind: "loaded", rows: 1, rejected: [] },
  },
  {
    key: "raw/orders/non-ascii.csv",
    what: "Cyrillic, emoji, a combining accent, right-to-left override and CJK text, and a Cyrillic column name",
    body: () =>
      `${ordersHeader},город\nна1,пользователь🙂,2024-01-05 10:00:00,5,,1,e\u0301\u202e,東京\n`,
    outcome: { kind: "loaded", rows: 1, rejected: [] },
  },
  {
    key: "raw/orders/duplicate-keys-a.csv",
    what: "order dup-1 twice in one file",
    body: () =>
      `${ordersHeader}\ndup-1,u1,2024-01-05 10:00:00,1,,1,desktop\ndup-1,u1,2024-01-05 10:00:00,2,,1,desktop\n`,
    outcome: { kind: "loaded", rows: 2, rejected: [] },
  },
  {
    key: "raw/orders/duplicate-keys-b.csv",
    what: "order dup-1 again in a later object",
    body: () => `${ordersHeader}\ndup-1,u1,2024-01-05 10:00:00,3,,1,desktop\n`,
    outcome: { kind: "loaded", rows: 1, rejected: [] },
  },
  {
    key: "raw/visits/missing-values.jsonl",
    what: 'a required user_id as JSON null, as "" and absent: loaded, then quarantined by staging',
    body: () =>
      jsonl([
        '{"user_id": null, "session_start": "2024-01-03 11:00:00", "session_end": "2024-01-03 11:05:00"}',
        '{"user_id": "", "session_start": "2024-01-03 12:00:00", "session_end": "2024-01-03 12:05:00"}',
        '{"session_start": "2024-01-03 13:00:00", "session_end": "2024-01-03 13:05:00"}',
        '{"user_id": "mv1", "session_start": "2024-01-03 14:00:00", "session_end": "2024-01-03 14:05:00"}',
      ]),
    outcome: { kind: "loaded", rows: 4, rejected: [] },
  },
  {
    key: "raw/orders/re-exported.csv",
    what: "an object that is exported again with other rows (see the second run)",
    body: () => ordersCsv("rx", 5),
    outcome: { kind: "loaded", rows: 5, rejected: [] },
  },
  {
    key: "raw/orders/re-exported-broken.csv",
    what: "an object whose next version cannot be read (see the second run)",
    body: () => ordersCsv("rb", 4),
    outcome: { kind: "loaded", rows: 4, rejected: [] },
  },
];

let s3: TestS3;
let env: Record<string, string>;
let warehouse: string;
let firstRun: Awaited<ReturnType<typeof runCli>>;

const failedCases = cases.filter((c) => c.outcome.kind === "failed");
const loadedCases = cases.filter((c) => c.outcome.kind === "loaded");

beforeAll(async () => {
  s3 = await startTestS3();
  const dir = tempDir("hostile");
  warehouse = join(dir, "warehouse.duckdb");
  env = {
    ...s3.env,
    DUCKMART_WAREHOUSE: warehouse,
    DUCKMART_WORK_DIR: join(dir, "work"),
    // The corpus is mostly broken rows on purpose: the publish guard would stop the daily run.
    DUCKMART_MAX_QUARANTINE_RATIO: "1",
  };
  for (const hostile of cases) await s3.store.write(hostile.key, await hostile.body());
  // One run over the whole corpus: files fail one by one, never each other.
  firstRun = await runCli(["run", "--job", "ingest"], env);
});

const rowsOf = (key: string) =>
  inspectWarehouse(warehouse, (w) =>
    w.all<Record<string, unknown>>(
      "select * exclude (_run_id, _file_modified) from raw.orders where _file_key = $1 union all by name select * exclude (_run_id, _file_modified) from raw.visits where _file_key = $1 order by _file_row",
      [key],
    ),
  );

describe("hostile input through duckmart run --job ingest", () => {
  it("fails the run with one last stderr line naming every broken file and its reason", () => {
    expect(firstRun.code).not.toBe(0);
    const last = lastLine(firstRun.stderr);
    expect(last).toMatch(new RegExp(`^duckmart: ${failedCases.length} files failed to load: `));
    for (const hostile of failedCases) {
      const reason = (hostile.outcome as { reason: RegExp }).reason.source.replace(/^\^|\$$/g, "");
      expect(last, hostile.key).toMatch(new RegExp(`${escapeRegExp(hostile.key)}: [^;]*${reason}`));
    }
  });

  it.each(failedCases)("$key ($what): fails as a whole, loads nothing", async (hostile) => {
    const outcome = hostile.outcome as { reason: RegExp };
    const attempts = await inspectWarehouse(warehouse, (w) =>
      w.all<{ status: string; reason: string }>(
        "select status, reason from meta.file_loads where key = $1",
        [hostile.key],
      ),
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.status).toBe("failed");
    expect(attempts[0]?.reason).toMatch(outcome.reason);
    expect(await rowsOf(hostile.key)).toEqual([]);
    const [loaded] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ n: number }>("select count(*) as n from meta.loaded_files where key = $1", [
        hostile.key,
      ]),
    );
    expect(loaded?.n).toBe(0);
  });

  it.each(loadedCases)("$key ($what): loads, rejecting exactly the bad rows", async (hostile) => {
    const outcome = hostile.outcome as Extract<Outcome, { kind: "loaded" }>;
    const [entry] = (await fileLedger(warehouse)).filter((e) => e.key === hostile.key);
    expect(entry, "in meta.loaded_files").toBeDefined();
    // rows read is held against the test's own count of the rows it wrote.
    expect(entry).toMatchObject({
      rows_read: outcome.rows,
      rows_loaded: outcome.rows - outcome.rejected.length,
      rows_rejected: outcome.rejected.length,
      raw_rows: outcome.rows - outcome.rejected.length,
      rejected_logged: outcome.rejected.length,
      duplicate_rows: 0,
    });
    const rejected = await inspectWarehouse(warehouse, (w) =>
      w.all<{ file_row: number; column_name: string | null; reason: string }>(
        "select file_row, column_name, reason from meta.rejected_rows where file_key = $1 order by file_row",
        [hostile.key],
      ),
    );
    expect(rejected.map((r) => [r.file_row, r.column_name])).toEqual(
      outcome.rejected.map((r) => [r.row, r.column]),
    );
    for (const [index, expected] of outcome.rejected.entries()) {
      const reason = rejected[index]?.reason.replace(/^[a-z_]+: /, "") ?? "";
      expect(expected.column ? reason : rejected[index]?.reason).toMatch(expected.reason);
    }
  });

  it("keeps rows read = rows loaded + rows rejected for every loaded file, with no row twice", async () => {
    const ledger = await fileLedger(warehouse);
    expect(ledger.map((e) => e.key).sort()).toEqual(loadedCases.map((c) => c.key).sort());
    expect(unbalanced(ledger)).toEqual([]);
  });

  it("keeps values exact: BOM, CRLF, stray quotes, 10 MB field, big ids, non-ASCII, typed Parquet", async () => {
    const bom = await rowsOf("raw/orders/bom.csv");
    expect(bom.map((r) => r.order_id)).toEqual(["bom0", "bom1", "bom2"]);
    const crlf = await rowsOf("raw/orders/crlf.csv");
    expect(crlf.map((r) => r.device)).toEqual(["desktop", "desktop", "desktop"]);
    const stray = await rowsOf("raw/orders/stray-quotes.csv");
    expect(stray.find((r) => r.order_id === "sq-kept")?.user_id).toBe('u"2');
    const [big] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ n: number; x: boolean }>(
        "select length(device) as n, device = repeat('x', $1) as x from raw.orders where order_id = 'big1'",
        [tenMegabytes],
      ),
    );
    expect(big).toEqual({ n: tenMegabytes, x: true });
    expect(await rowsOf("raw/orders/ids-beyond-2-64.csv")).toMatchObject([
      { order_id: "18446744073709551617", user_id: "123456789012345678901234567890" },
    ]);
    expect(await rowsOf("raw/visits/ids-beyond-2-64.jsonl")).toMatchObject([
      { user_id: "18446744073709551617", source_id: "340282366920938463463374607431768211457" },
    ]);
    expect(await rowsOf("raw/orders/non-ascii.csv")).toMatchObject([
      { order_id: "на1", user_id: "пользователь🙂", device: "e\u0301\u202e", город: "東京" },
    ]);
    const typed = await inspectWarehouse(warehouse, (w) =>
      w.all<{ order_id: string; user_id: string; ts: string; revenue: number; tickets: number }>(
        `select order_id, user_id, strftime(created_at, '%Y-%m-%d %H:%M:%S.%f') as ts, revenue, tickets_count as tickets
         from raw.orders where _file_key = 'raw/orders/wrong-types.parquet' and _file_row in (1, 300) order by _file_row`,
      ),
    );
    expect(typed).toEqual([
      {
        order_id: "18446744073709551616",
        user_id: "0",
        ts: "2024-01-05 10:00:00.123456",
        revenue: 0,
        tickets: 0,
      },
      {
        order_id: "18446744073709551915",
        user_id: "299",
        ts: "2024-01-05 10:04:59.123456",
        revenue: 373.75,
        tickets: 3,
      },
    ]);
  });

  it("keeps every copy of a duplicated key with its lineage; the key rule is staging's", async () => {
    const rows = await inspectWarehouse(warehouse, (w) =>
      w.all<{ key: string; row: number; revenue: number }>(
        "select _file_key as key, _file_row as row, revenue from raw.orders where order_id = 'dup-1' order by all",
      ),
    );
    expect(rows).toEqual([
      { key: "raw/orders/duplicate-keys-a.csv", row: 1, revenue: 1 },
      { key: "raw/orders/duplicate-keys-a.csv", row: 2, revenue: 2 },
      { key: "raw/orders/duplicate-keys-b.csv", row: 1, revenue: 3 },
    ]);
  });

  it("replaces exactly the rows of a re-exported object, and keeps the old rows when the new version is broken", async () => {
    const key = "raw/orders/re-exported.csv";
    const broken = "raw/orders/re-exported-broken.csv";
    await s3.store.write(key, ordersCsv("rx-v2-", 3));
    await s3.store.write(broken, `${ordersHeader}\nrb-v2,"u1,2024-01-05 10:00:00,5,,1,desktop\n`);
    const second = await runCli(["run", "--job", "ingest"], env);
    // The corpus's broken files fail again, and the broken new version with them.
    const last = lastLine(second.stderr);
    expect(last).toContain(`${failedCases.length + 1} files failed to load`);
    expect(last).toMatch(
      new RegExp(
        `${escapeRegExp(broken)}: cannot be read as CSV: the quoted field opened on line 2`,
      ),
    );
    expect((await rowsOf(key)).map((r) => r.order_id)).toEqual(["rx-v2-0", "rx-v2-1", "rx-v2-2"]);
    expect((await rowsOf(broken)).map((r) => r.order_id)).toEqual(["rb0", "rb1", "rb2", "rb3"]);
    const ledger = await fileLedger(warehouse);
    expect(ledger.find((e) => e.key === key)).toMatchObject({ rows_read: 3, rows_loaded: 3 });
    expect(ledger.find((e) => e.key === broken)).toMatchObject({ rows_read: 4, rows_loaded: 4 });
    expect(unbalanced(ledger)).toEqual([]);
  });

  it("after the broken files are removed, the daily job stages the corpus: missing values quarantined, one row per key", async () => {
    await s3.store.delete([
      ...failedCases.map((c) => c.key),
      "raw/orders/re-exported-broken.csv",
      "raw/orders/re-exported.csv",
    ]);
    const daily = await runCli(["run"], env);
    expect(daily.code, lastLine(daily.stderr)).toBe(0);
    const quarantined = await inspectWarehouse(warehouse, (w) =>
      w.all<{ reason: string; n: number }>(
        "select reason, count(*) as n from staging.stg_visits_quarantine where _file_key = 'raw/visits/missing-values.jsonl' group by 1",
      ),
    );
    expect(quarantined).toEqual([{ reason: "missing_user_id", n: 3 }]);
    const winner = await inspectWarehouse(warehouse, (w) =>
      w.all("select revenue, _file_key from staging.stg_orders where order_id = 'dup-1'"),
    );
    expect(winner).toEqual([{ revenue: 3, _file_key: "raw/orders/duplicate-keys-b.csv" }]);
    // Deleting an object deletes no rows (SPEC §1).
    expect((await rowsOf("raw/orders/re-exported.csv")).map((r) => r.order_id)).toEqual([
      "rx-v2-0",
      "rx-v2-1",
      "rx-v2-2",
    ]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
