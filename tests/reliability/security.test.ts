import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { type CliResult, lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";
import { FaultProxy, s3Requests } from "./fault-proxy.ts";

/*
 * Security: object keys cannot write outside the work folder, credentials
 * never reach the output, nothing that reaches SQL can inject SQL, and
 * `duckmart query` cannot change the analyst database.
 */

const bucket = "duckmart";
const tag = randomBytes(4).toString("hex");
let s3: TestS3;
let proxy: FaultProxy;
let root: string;
let workDir: string;
let warehouse: string;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startTestS3(bucket);
  await generateExports({ users: 80, days: 6, seed: 9 }, objectStoreSink(s3.store, "raw", "s3"));
  proxy = await FaultProxy.start(s3.server.endpoint);
  proxy.setRules([]);
  root = tempDir("security");
  // Deep, so that `..` segments have room to climb and still land under root.
  workDir = join(root, "a", "b", "c", "work");
  warehouse = join(root, "wh", "warehouse.duckdb");
  env = {
    ...s3.env,
    DUCKMART_S3_ENDPOINT: proxy.endpoint,
    DUCKMART_WAREHOUSE: warehouse,
    DUCKMART_WORK_DIR: workDir,
    // 80 visitors plant 6 dirty orders among 12: far above the 5% publish guard, on purpose.
    DUCKMART_MAX_QUARANTINE_RATIO: "1",
  };
  const first = await runCli(["run"], env);
  expect(first.code, lastLine(first.stderr)).toBe(0);
});

afterAll(() => proxy.close());

/** Every file below `folder`, relative to it. */
function filesBelow(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return (
    readdirSync(folder, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[]
  )
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .sort();
}

const ordersHeader = "order_id,user_id,created_at,revenue";
const secret = `SECRET-${tag}-sentinel`;
const token = `TOKEN-${tag}-sentinel`;
const leaks = (result: CliResult) =>
  [secret, token].filter((value) => `${result.stdout}\n${result.stderr}`.includes(value));

const runsCount = () =>
  inspectWarehouse(warehouse, (w) =>
    w.all<{ n: number }>("select count(*) as n from meta.runs").then((rows) => rows[0]?.n),
  );

/*
 * One ingest run carries the hostile keys, the hostile column names and the
 * sentinel credentials (s3rver does not check SigV4 signatures, so a made-up
 * secret works), logging at trace level.
 */
describe("an ingest of hostile keys and names, with sentinel credentials, at trace level", () => {
  const keys = [
    `raw/orders/../../../../../../../../escape-${tag}.csv`,
    `raw/orders/../../../../../../../../../../../../../../../../tmp/escape-${tag}.csv`,
    `raw/orders//${tmpdir().slice(1)}/absolute-${tag}.csv`,
    `raw/orders/..\\..\\..\\backslash-${tag}.csv`,
    `raw/orders/%2e%2e%2f%2e%2e%2fencoded-${tag}.csv`,
    `raw/orders/dt=1/\u202evsc.${tag}.csv`,
    `raw/orders/ünï/cödé 🙂 ${tag}.csv`,
    `raw/orders/.hidden-${tag}.csv`,
    `raw/orders/${"long".repeat(80)}-${tag}.csv`,
  ];
  const csvColumn = 'a"; drop table meta.runs; --';
  const quotedColumn = "b'); drop table meta.loaded_files; --";
  const jsonKey = `x'"); drop table meta.runs; --`;
  const objectKey = `raw/orders/it's "quoted"; drop table meta.runs; --.csv`;
  let result: CliResult;
  let before: string[];
  let runsBefore: number | undefined;

  beforeAll(async () => {
    // s3rver would resolve `..` on its own disk: the proxy serves these objects itself.
    proxy.addObjects(
      bucket,
      keys.map((key, i) => ({
        key,
        body: Buffer.from(`${ordersHeader}\nkey-${i},u1,2024-01-02 10:00:00,1\n`),
      })),
    );
    await s3.store.write(
      objectKey,
      `${ordersHeader},"a""; drop table meta.runs; --",${quotedColumn}\ninj-1,u1,2024-01-02 10:00:00,1,v1,v2\n`,
    );
    await s3.store.write(
      "raw/visits/injection.jsonl",
      `${JSON.stringify({ user_id: "inj", session_start: "2024-01-02 10:00:00", session_end: "2024-01-02 10:05:00", [jsonKey]: "v3" })}\n`,
    );
    before = filesBelow(root);
    runsBefore = await runsCount();
    result = await runCli(["run", "--job", "ingest"], {
      ...env,
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_SESSION_TOKEN: token,
      DUCKMART_LOG_LEVEL: "trace",
    });
  });

  it("loads objects with `..`, absolute-looking, encoded and odd-unicode keys by their exact key, writing nothing outside the work folder", async () => {
    expect(result.code, lastLine(result.stderr)).toBe(0);
    const loaded = await inspectWarehouse(warehouse, (w) =>
      w.all<{ key: string; order_id: string }>(
        "select _file_key as key, order_id from raw.orders where order_id like 'key-%' order by order_id",
      ),
    );
    expect(loaded).toEqual(keys.map((key, i) => ({ key, order_id: `key-${i}` })));
    // Downloads are gone, nothing new appeared anywhere under the test's root
    // (the warehouse's own files aside), nor in /tmp or /.
    expect(filesBelow(workDir)).toEqual([]);
    const added = filesBelow(root).filter(
      (file) => !before.includes(file) && !file.startsWith(join("wh", "")),
    );
    expect(added).toEqual([]);
    expect(filesBelow(root).filter((file) => file.includes(tag))).toEqual([]);
    for (const name of ["escape", "absolute", "backslash", "encoded"]) {
      expect(existsSync(join(tmpdir(), `${name}-${tag}.csv`))).toBe(false);
      expect(existsSync(join("/", `${name}-${tag}.csv`))).toBe(false);
    }
  });

  it("keeps header names, JSON keys and object keys as data, never SQL", async () => {
    expect(await runsCount()).toBe((runsBefore ?? 0) + 1);
    const [order] = await inspectWarehouse(warehouse, (w) =>
      w.all("select * from raw.orders where order_id = 'inj-1'"),
    );
    expect(order).toMatchObject({ _file_key: objectKey, [csvColumn]: "v1", [quotedColumn]: "v2" });
    const [visit] = await inspectWarehouse(warehouse, (w) =>
      w.all("select * from raw.visits where user_id = 'inj'"),
    );
    expect(visit).toMatchObject({ [jsonKey]: "v3" });
    const [file] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ n: number }>("select count(*) as n from meta.loaded_files where key = $1", [
        objectKey,
      ]),
    );
    expect(file?.n).toBe(1);
  });

  it("prints neither the secret key nor the session token", () => {
    expect(result.stderr.split("\n").length).toBeGreaterThan(10);
    expect(leaks(result)).toEqual([]);
  });
});

describe("credentials never appear in output", () => {
  it("not when the store rejects the signature and echoes the request, token included, at trace level", async () => {
    // Real S3 answers SignatureDoesNotMatch with the canonical request, session token and all.
    proxy.setRules([
      {
        match: s3Requests.list(bucket),
        fault: { kind: "error", status: 403, code: "SignatureDoesNotMatch", echoRequest: true },
        rate: 1,
      },
    ]);
    const result = await runCli(["run", "--job", "ingest"], {
      ...env,
      AWS_SECRET_ACCESS_KEY: secret,
      AWS_SESSION_TOKEN: token,
      DUCKMART_LOG_LEVEL: "trace",
    });
    const requests = proxy.requests;
    proxy.setRules([]);
    expect(result.code).not.toBe(0);
    expect(lastLine(result.stderr)).toMatch(
      /^duckmart: list s3:\/\/duckmart\/raw\/visits\/ failed: SignatureDoesNotMatch HTTP 403/,
    );
    // The token did go over the wire (that is how S3 works) and came back in the error.
    expect(requests[0]?.headers["x-amz-security-token"]).toBe(token);
    expect(leaks(result)).toEqual([]);
  });
});

describe("settings that reach SQL or object keys", () => {
  it("are validated before anything runs", async () => {
    const runsBefore = await runsCount();
    const result = await runCli(["run", "--job", "ingest"], {
      ...env,
      DUCKMART_RAW_PREFIX: "raw'; drop table meta.runs; --",
      DUCKMART_PUBLISH_PREFIX: 'marts"; drop table meta.runs; --',
      DUCKMART_S3_BUCKET: "b'; drop table meta.runs; --",
      DUCKMART_BASE_CURRENCY: "RUB'); drop table meta.runs; --",
      DUCKMART_MARGIN: "1; drop table meta.runs",
    });
    expect(result.code).not.toBe(0);
    const last = lastLine(result.stderr);
    expect(last).toMatch(/^duckmart: invalid settings: /);
    for (const variable of [
      "DUCKMART_RAW_PREFIX",
      "DUCKMART_PUBLISH_PREFIX",
      "DUCKMART_S3_BUCKET",
      "DUCKMART_BASE_CURRENCY",
      "DUCKMART_MARGIN",
    ])
      expect(last).toContain(variable);
    expect(await runsCount()).toBe(runsBefore);
  });
});

describe("duckmart query is read-only because the database is opened read-only", () => {
  const analyst = () => join(root, "wh", "analyst.duckdb");
  const digest = () => createHash("sha256").update(readFileSync(analyst())).digest("hex");
  const contents = () =>
    inspectWarehouse(analyst(), (w) =>
      w.all(
        `select (select count(*) from meta.runs) as runs, (select count(*) from meta.loaded_files) as files,
                (select count(*) from mart_rfm) as rfm, (select sum(revenue) from mart_kpi_monthly) as revenue,
                (select count(*) from duckdb_tables()) as tables`,
      ),
    );

  // tests/serve/query.test.ts covers every kind of refusal in-process; these go through the CLI.
  it("refuses a write, a file write and a file read, and the database is unchanged after", async () => {
    const hashBefore = digest();
    const before = await contents();
    const outside = join(root, "outside");
    mkdirSync(outside, { recursive: true });
    const statements: [string, RegExp][] = [
      ["delete from meta.runs", /read-only/],
      [`copy (select * from mart_rfm) to '${join(outside, "leak.csv")}'`, /refused/],
      // The warehouse sits next to the analyst copy and holds every raw row.
      [`select * from read_blob('${warehouse}')`, /cannot read or write files/],
    ];
    for (const [sql, reason] of statements) {
      const result = await runCli(["query", sql], env);
      expect(result.code, sql).not.toBe(0);
      expect(result.stdout, sql).toBe("");
      // Not the last line: DuckDB's message for some refusals spans several lines.
      expect(result.stderr, sql).toMatch(/^duckmart: refused: /m);
      expect(result.stderr, sql).toMatch(reason);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(digest()).toBe(hashBefore);
    expect(await contents()).toEqual(before);
  });
});
