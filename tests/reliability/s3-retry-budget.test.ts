import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import type { ObjectInfo } from "../../src/storage/object-store.ts";
import { S3ObjectStore } from "../../src/storage/s3-object-store.ts";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { FaultProxy, type RequestMatcher, s3Requests } from "./fault-proxy.ts";

/**
 * One retry budget per S3 request (README "Reliability"): a request that
 * keeps failing is sent exactly `s3MaxAttempts` times, whichever layer asks
 * for it: not SDK retries × the store's retries × publish's tries.
 */
const bucket = "duckmart";
const internalError = { kind: "error", status: 500, code: "InternalError" } as const;
let s3: TestS3;
let proxy: FaultProxy;
let objects: ObjectInfo[];
const root = tempDir("s3-retry-budget");

beforeAll(async () => {
  s3 = await startTestS3(bucket);
  await generateExports({ users: 100, days: 4, seed: 3 }, objectStoreSink(s3.store, "raw", "s3"));
  objects = [];
  for await (const object of s3.store.list("raw/")) objects.push(object);
  proxy = await FaultProxy.start(s3.server.endpoint, { seed: 5 });
});

afterAll(() => proxy.close());

/** Requests the proxy saw since the last setRules that `match` picks. */
function seen(match: RequestMatcher): number {
  const test = (pattern: string | RegExp | undefined, value: string) =>
    pattern === undefined ||
    (typeof pattern === "string" ? pattern === value : pattern.test(value));
  return proxy.requests.filter(
    (r) =>
      (match.method === undefined || match.method === r.method) &&
      test(match.path, r.path) &&
      test(match.query, r.query),
  ).length;
}

describe("one retry budget per S3 request, in the store", () => {
  let store: S3ObjectStore;
  beforeAll(() => {
    store = new S3ObjectStore({
      endpoint: proxy.endpoint,
      bucket,
      region: "us-east-1",
      forcePathStyle: true,
      maxAttempts: 3,
      retryBaseDelayMs: 1,
      credentials: s3.server.credentials,
    });
  });
  afterAll(() => store.close());

  it("sends a request that keeps failing exactly maxAttempts times, for every operation", async () => {
    const victim = objects[0] as ObjectInfo;
    const get = { method: "GET", path: `/${bucket}/${victim.key}` };
    const cases: [string, RequestMatcher, () => Promise<unknown>][] = [
      [
        "list",
        s3Requests.list(bucket),
        async () => {
          for await (const _ of store.list("raw/")) {
            // consume
          }
        },
      ],
      ["head", { method: "HEAD", path: `/${bucket}/${victim.key}` }, () => store.head(victim.key)],
      ["read", get, () => store.read(victim.key)],
      [
        "download",
        get,
        () => {
          mkdirSync(join(root, "download"), { recursive: true });
          return store.download(victim, join(root, "download", "object"));
        },
      ],
      ["write", s3Requests.putObject(bucket, /budget\//), () => store.write("budget/put.bin", "x")],
      [
        "delete",
        { method: "POST", path: new RegExp(`^/${bucket}/?$`), query: /delete/ },
        () => store.delete(["budget/put.bin"]),
      ],
    ];
    const attempts: Record<string, number> = {};
    for (const [name, match, operation] of cases) {
      proxy.setRules([{ match, fault: internalError, rate: 1 }]);
      await expect(operation(), name).rejects.toThrow(/HTTP 500/);
      attempts[name] = seen(match);
    }
    expect(attempts).toEqual({ list: 3, head: 3, read: 3, download: 3, write: 3, delete: 3 });
  });

  it("gives a damaged download (caught by the size check) the same budget", async () => {
    const victim = objects.find((o) => o.size > 200) as ObjectInfo;
    const get = { method: "GET", path: `/${bucket}/${victim.key}` };
    proxy.setRules([{ match: get, fault: { kind: "short-body", keep: 50 }, rate: 1 }]);
    mkdirSync(join(root, "short"), { recursive: true });
    await expect(store.download(victim, join(root, "short", "object"))).rejects.toThrow(
      /got 50 of \d+ bytes/,
    );
    expect(seen(get)).toBe(3);
  });

  it("retries each part of a streamed multipart upload within the budget, once", async () => {
    const body = Buffer.alloc(9 * 1024 * 1024, 7);
    proxy.setRules([{ match: s3Requests.uploadPart(bucket), fault: internalError, rate: 1 }]);
    await expect(store.write("budget/multipart.bin", Readable.from([body]))).rejects.toThrow(
      "write s3://duckmart/budget/multipart.bin failed",
    );
    const perPart = new Map<string, number>();
    for (const request of proxy.requests) {
      const part = /(?:^|&)partNumber=(\d+)/.exec(request.query)?.[1];
      if (part) perPart.set(part, (perPart.get(part) ?? 0) + 1);
    }
    expect(perPart.size).toBeGreaterThan(0);
    expect(Math.max(...perPart.values())).toBe(3);
  });
});

describe("one retry budget per S3 request, through duckmart run", () => {
  const env = (name: string, attempts: number) => ({
    ...s3.env,
    DUCKMART_S3_ENDPOINT: proxy.endpoint,
    DUCKMART_WAREHOUSE: join(root, name, "warehouse.duckdb"),
    DUCKMART_WORK_DIR: join(root, name, "work"),
    DUCKMART_S3_MAX_ATTEMPTS: String(attempts),
    // 100 visitors plant 6 dirty orders among a few: above the 5% publish guard, on purpose.
    DUCKMART_MAX_QUARANTINE_RATIO: "1",
  });

  it("downloads a raw file that keeps failing s3MaxAttempts times, not SDK × store attempts", async () => {
    const victim = objects.find((o) => o.key.includes("orders/")) as ObjectInfo;
    const get = { method: "GET", path: `/${bucket}/${victim.key}` };
    proxy.setRules([{ match: get, fault: internalError, rate: 1 }]);
    const run = await runCli(["run", "--job", "ingest"], env("ingest", 4));
    expect(run.code).not.toBe(0);
    expect(lastLine(run.stderr)).toContain(`download s3://${bucket}/${victim.key} failed`);
    expect(seen(get)).toBe(4);
  });

  it("uploads a mart file that keeps failing s3MaxAttempts times, not SDK × store × publish tries", async () => {
    const put = s3Requests.putObject(bucket, /marts\/mart_rfm\/run_id=/);
    proxy.setRules([{ match: put, fault: internalError, rate: 1 }]);
    const run = await runCli(["run"], env("publish", 3));
    expect(run.code).not.toBe(0);
    expect(lastLine(run.stderr)).toMatch(
      /uploading mart_rfm file .* failed: .*InternalError HTTP 500/,
    );
    expect(seen(put)).toBe(3);
  });
});
