import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import type { ObjectInfo } from "../../src/storage/object-store.ts";
import { S3ObjectStore } from "../../src/storage/s3-object-store.ts";
import { type CliResult, lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { FaultProxy, type FaultRule, s3Requests } from "./fault-proxy.ts";
import { fileLedger, type RawSnapshot, rawSnapshot, unbalanced } from "./warehouse-ledger.ts";

/*
 * S3 faults under ingest: listing and download. For each, either the run
 * succeeds and loads exactly what a clean run loads, or it fails naming what
 * failed and every file it did load is whole (no partial or duplicated file),
 * and a clean rerun then equals a clean run.
 */

const bucket = "duckmart";
let s3: TestS3;
let proxy: FaultProxy;
let clean: RawSnapshot;
let objects: ObjectInfo[];
const root = tempDir("s3-faults-ingest");

beforeAll(async () => {
  s3 = await startTestS3(bucket);
  await generateExports({ users: 100, days: 8, seed: 7 }, objectStoreSink(s3.store, "raw", "s3"));
  objects = [];
  for await (const object of s3.store.list("raw/")) objects.push(object);
  proxy = await FaultProxy.start(s3.server.endpoint, { seed: 11 });
  const direct = await ingestInto("clean", {});
  expect(direct.result.code, direct.result.stderr).toBe(0);
  clean = await rawSnapshot(direct.warehouse);
});

afterAll(() => proxy.close());

/** Runs `duckmart run --job ingest` into a fresh (or the named) warehouse. */
async function ingestInto(
  name: string,
  env: Record<string, string>,
): Promise<{ result: CliResult; warehouse: string }> {
  const warehouse = join(root, name, "warehouse.duckdb");
  const result = await runCli(["run", "--job", "ingest"], {
    ...s3.env,
    DUCKMART_WAREHOUSE: warehouse,
    DUCKMART_WORK_DIR: join(root, name, "work"),
    ...env,
  });
  return { result, warehouse };
}

/** Ingests through the proxy with `rules` in force. */
async function ingestThroughFaults(
  name: string,
  rules: readonly FaultRule[],
  env: Record<string, string> = {},
) {
  proxy.setRules(rules);
  const run = await ingestInto(name, { DUCKMART_S3_ENDPOINT: proxy.endpoint, ...env });
  return { ...run, faults: proxy.faults, requests: proxy.requests };
}

const slowDown = { kind: "error", status: 503, code: "SlowDown" } as const;
const internalError = { kind: "error", status: 500, code: "InternalError" } as const;

describe("S3 faults while listing", () => {
  it("retries a 500, a reset connection, and pages that arrive garbled or cut off, and loads what a clean run loads", async () => {
    const list = s3Requests.list(bucket);
    const run = await ingestThroughFaults("list-transient", [
      { match: list, fault: internalError, nth: [1] },
      { match: list, fault: { kind: "reset" }, nth: [3] },
      // A short body with a matching Content-Length: only the XML parser notices.
      { match: list, fault: { kind: "short-body", keep: 200 }, nth: [5] },
      { match: list, fault: { kind: "cut-body", keep: 200 }, nth: [7] },
    ]);
    expect(run.result.code, lastLine(run.result.stderr)).toBe(0);
    expect(run.faults).toBe(4);
    expect(await rawSnapshot(run.warehouse)).toEqual(clean);
  });

  it("fails naming the listing when it keeps failing, and loads nothing", async () => {
    const run = await ingestThroughFaults(
      "list-down",
      [
        {
          match: { ...s3Requests.list(bucket), query: /prefix=raw%2Forders%2F/ },
          fault: internalError,
          rate: 1,
        },
      ],
      { DUCKMART_S3_MAX_ATTEMPTS: "2" },
    );
    expect(run.result.code).not.toBe(0);
    expect(lastLine(run.result.stderr)).toMatch(
      /^duckmart: list s3:\/\/duckmart\/raw\/orders\/ failed: InternalError HTTP 500/,
    );
    expect(await fileLedger(run.warehouse)).toEqual([]);
    const snapshot = await rawSnapshot(run.warehouse);
    expect(Object.values(snapshot.raw).every((rows) => rows.length === 0)).toBe(true);
  });
});

describe("S3 faults while downloading", () => {
  it("survives a seeded mix of faults on a third of the downloads (500, resets, stalls, cut, short and corrupt bodies, lost responses) and loads what a clean run loads", async () => {
    const get = s3Requests.getObject(bucket, "raw/");
    // No SlowDown here: one is enough to put the SDK's adaptive retry mode on a
    // client-side rate limit for the rest of the run (tested in-process below).
    const faults = [
      internalError,
      { kind: "reset" },
      { kind: "stall", ms: 300, after: "reset" },
      { kind: "stall", ms: 800, after: "forward" },
      { kind: "cut-body", keep: 64 },
      { kind: "short-body", keep: 64 },
      { kind: "corrupt-body" },
      { kind: "drop-response" },
    ] as const;
    const run = await ingestThroughFaults("get-mix", [
      // The faults HTTP cannot see, for sure, then a seeded mix.
      { match: get, fault: { kind: "short-body", keep: 64 }, nth: [3] },
      { match: get, fault: { kind: "corrupt-body" }, nth: [6] },
      ...faults.map((fault) => ({ match: get, fault, rate: 0.05, perRequest: 1 })),
    ]);
    expect(run.result.code, lastLine(run.result.stderr)).toBe(0);
    const injected = new Set(run.requests.flatMap((r) => (r.fault ? [r.fault] : [])));
    expect(run.faults).toBeGreaterThanOrEqual(10);
    // The faults HTTP itself cannot see were among them: the size and MD5 checks caught them.
    expect([...injected]).toEqual(expect.arrayContaining(["short-body", "corrupt-body"]));
    expect(await rawSnapshot(run.warehouse)).toEqual(clean);
  });

  it.each([
    {
      name: "short",
      fault: { kind: "short-body", keep: 100 } as const,
      message: /: got 100 of \d+ bytes$/,
    },
    {
      name: "corrupt",
      fault: { kind: "corrupt-body" } as const,
      message: /: body MD5 [0-9a-f]{32} differs from ETag [0-9a-f]{32}$/,
    },
  ])(
    "fails naming an object whose body keeps arriving $name, keeps only whole files, and a rerun equals a clean run",
    async ({ name, fault, message }) => {
      const victim = objects.find((o) => o.key.includes("orders/") && o.size > 200) as ObjectInfo;
      const run = await ingestThroughFaults(
        `get-${name}`,
        [{ match: { method: "GET", path: `/${bucket}/${victim.key}` }, fault, rate: 1 }],
        { DUCKMART_S3_MAX_ATTEMPTS: "2" },
      );
      expect(run.result.code).not.toBe(0);
      const last = lastLine(run.result.stderr);
      expect(last).toContain(`download s3://${bucket}/${victim.key}`);
      expect(last).toMatch(message);
      // Nothing of the victim; every file that did load is whole and equal to the clean load.
      const partial = await rawSnapshot(run.warehouse);
      const ledger = await fileLedger(run.warehouse);
      expect(ledger.map((e) => e.key)).not.toContain(victim.key);
      expect(unbalanced(ledger)).toEqual([]);
      const loaded = new Set(ledger.map((e) => e.key));
      for (const [source, rows] of Object.entries(clean.raw)) {
        expect(partial.raw[source], source).toEqual(
          rows.filter((row) => loaded.has(row._file_key as string)),
        );
      }
      // The same warehouse, the store healthy again: equal to a clean run.
      proxy.setRules([]);
      const rerun = await ingestInto(`get-${name}`, { DUCKMART_S3_ENDPOINT: proxy.endpoint });
      expect(rerun.result.code, lastLine(rerun.result.stderr)).toBe(0);
      expect(await rawSnapshot(run.warehouse)).toEqual(clean);
    },
  );
});

describe("throttling (503 SlowDown)", () => {
  // In-process: after one SlowDown the SDK's adaptive retry mode rate-limits
  // every later request of the client, which would slow a whole CLI run by seconds.
  it("is retried for listings and downloads", async () => {
    const store = new S3ObjectStore({
      endpoint: proxy.endpoint,
      bucket,
      region: "us-east-1",
      forcePathStyle: true,
      maxAttempts: 5,
      credentials: s3.server.credentials,
    });
    proxy.setRules([
      { match: s3Requests.list(bucket), fault: slowDown, nth: [1] },
      { match: s3Requests.getObject(bucket, "raw/"), fault: slowDown, nth: [1] },
    ]);
    try {
      const listed: ObjectInfo[] = [];
      for await (const object of store.list("raw/")) listed.push(object);
      expect(listed).toEqual(objects);
      mkdirSync(join(root, "throttled"), { recursive: true });
      const object = objects[0] as ObjectInfo;
      await store.download(object, join(root, "throttled", "object"));
      expect(readFileSync(join(root, "throttled", "object"))).toEqual(
        await s3.store.read(object.key),
      );
      expect(proxy.faults).toBe(2);
    } finally {
      store.close();
    }
  });
});

describe("download integrity", () => {
  it("the SDK with these stores' checksum settings accepts a short body; S3ObjectStore.download refuses it and leaves no file", async () => {
    const victim = objects[0] as ObjectInfo;
    const rule = {
      match: { method: "GET", path: `/${bucket}/${victim.key}` },
      fault: { kind: "short-body", keep: 10 },
      rate: 1,
    } as const;
    proxy.setRules([rule]);
    const client = new S3Client({
      endpoint: proxy.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: s3.server.credentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: victim.key }));
      const body = await response.Body?.transformToByteArray();
      expect(body?.length).toBe(10);
      expect(victim.size).toBeGreaterThan(10);
    } finally {
      client.destroy();
    }

    const store = new S3ObjectStore({
      endpoint: proxy.endpoint,
      bucket,
      region: "us-east-1",
      forcePathStyle: true,
      maxAttempts: 2,
      credentials: s3.server.credentials,
    });
    mkdirSync(join(root, "integrity"), { recursive: true });
    const destination = join(root, "integrity", "download");
    try {
      await expect(store.download(victim, destination)).rejects.toThrow(
        `download s3://${bucket}/${victim.key}: got 10 of ${victim.size} bytes`,
      );
    } finally {
      store.close();
    }
    expect(existsSync(destination)).toBe(false);
  });
});
