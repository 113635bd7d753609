import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  manifestKey,
  type PublishManifest,
  parseManifest,
  runManifestKey,
} from "../../src/publish/manifest.ts";
import { publishRun } from "../../src/publish/publish-run.ts";
import type { ObjectBody, ObjectInfo, ObjectStore } from "../../src/storage/object-store.ts";
import { PublishError, StorageError } from "../../src/util/errors.ts";
import { quoteLiteral, Warehouse } from "../../src/warehouse/warehouse.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { createSpecMarts, specMartNames } from "./fixtures/spec-marts.ts";

const s3 = await startTestS3();
const root = tempDir("publish");
const dataAsOf = new Date("2018-05-31T23:59:10Z");

/** A fresh warehouse file holding the SPEC marts and a mart large enough to split. */
async function martWarehouse(name: string): Promise<Warehouse> {
  const warehouse = await Warehouse.open(join(root, `${name}.duckdb`));
  await createSpecMarts(warehouse);
  await warehouse.run(
    `create or replace table mart_big as
       select i::bigint as id, 'user ' || i as label, date '2018-01-01' + (i % 400)::integer as day,
              timestamp '2018-01-01 00:00:00.000001' + to_seconds(i) as at, i / 3.0::double as amount
         from range(25000) as r(i)`,
  );
  return warehouse;
}

function settings(prefix: string, keepRuns = 3) {
  return { publishPrefix: prefix, keepRuns, workDir: join(root, "work") };
}

const smallFiles = { rowsPerFile: 10_000, rowGroupSize: 2048 };

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of s3.store.list(prefix)) keys.push(object.key);
  return keys.sort();
}

async function currentManifest(prefix: string): Promise<PublishManifest> {
  return parseManifest(await s3.store.read(manifestKey(prefix)), manifestKey(prefix));
}

/** Downloads every file a manifest names and checks size and SHA-256; returns local paths per mart. */
async function downloadVerified(
  manifest: PublishManifest,
  folder: string,
): Promise<Record<string, string[]>> {
  mkdirSync(folder, { recursive: true });
  const paths: Record<string, string[]> = {};
  for (const [mart, entry] of Object.entries(manifest.marts)) {
    paths[mart] = [];
    for (const file of entry.files) {
      const bytes = await s3.store.read(file.key);
      expect(bytes.length, file.key).toBe(file.bytes);
      expect(sha256(bytes), file.key).toBe(file.sha256);
      const path = join(folder, `${mart}-${paths[mart].length}.parquet`);
      writeFileSync(path, bytes);
      paths[mart].push(path);
    }
  }
  return paths;
}

/** Delegates to the real store; fails every Parquet upload after the first `okUploads`. */
class FailingStore implements ObjectStore {
  parquetWrites = 0;
  constructor(
    private readonly inner: ObjectStore,
    private readonly okUploads: number,
  ) {}
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  download(object: ObjectInfo, destination: string): Promise<void> {
    return this.inner.download(object, destination);
  }
  read(key: string): Promise<Buffer> {
    return this.inner.read(key);
  }
  close(): void {
    this.inner.close();
  }
  async write(key: string, body: ObjectBody, contentType?: string): Promise<void> {
    if (key.endsWith(".parquet")) {
      this.parquetWrites += 1;
      if (this.parquetWrites > this.okUploads)
        throw new StorageError(`injected failure writing ${key}`);
    }
    await this.inner.write(key, body, contentType);
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}

/** Delegates to the real store and records every write and delete in order. */
class RecordingStore extends FailingStore {
  readonly log: string[] = [];
  constructor(inner: ObjectStore) {
    super(inner, Number.POSITIVE_INFINITY);
  }
  override async write(key: string, body: ObjectBody, contentType?: string): Promise<void> {
    await super.write(key, body, contentType);
    this.log.push(`write ${key}`);
  }
  override async delete(keys: readonly string[]): Promise<void> {
    await super.delete(keys);
    for (const key of keys) this.log.push(`delete ${key}`);
  }
}

/** Fails the manifest PUT, after (`lands`) or instead of writing it, as a timeout would. */
class ManifestFaultStore extends FailingStore {
  constructor(
    inner: ObjectStore,
    private readonly lands: boolean,
  ) {
    super(inner, Number.POSITIVE_INFINITY);
  }
  override async write(key: string, body: ObjectBody, contentType?: string): Promise<void> {
    if (!key.endsWith("/_manifest.json")) return super.write(key, body, contentType);
    if (this.lands) await super.write(key, body, contentType);
    throw new StorageError(`timeout writing ${key}`, { transient: true });
  }
}

describe("publishRun", () => {
  it("publishes every mart as Parquet that reads back equal, with a manifest that matches the objects", async () => {
    const warehouse = await martWarehouse("all");
    try {
      const result = await publishRun({
        warehouse,
        store: s3.store,
        settings: settings("all"),
        runId: "20240101T000000Z-aaaaaa",
        dataAsOf,
        martKeys: { mart_rfm: ["user_id"], mart_activity: ["grain", "period_start"] },
        layout: smallFiles,
      });
      const manifest = await currentManifest("all");
      expect(manifest).toEqual(result.manifest);
      expect(manifest.run_id).toBe("20240101T000000Z-aaaaaa");
      expect(manifest.data_as_of).toBe("2018-05-31T23:59:10");
      expect(Date.parse(manifest.finished_at)).toBeGreaterThan(0);
      expect(Object.keys(manifest.marts).sort()).toEqual([...specMartNames, "mart_big"].sort());
      expect(manifest.marts.mart_rfm?.keys).toEqual(["user_id"]);
      expect(manifest.marts.mart_cac?.keys).toEqual([]);

      // The large mart is split by rowid ranges: contiguous, ordered files.
      const big = manifest.marts.mart_big;
      expect(big?.files.map((file) => [file.key, file.rows])).toEqual([
        ["all/mart_big/run_id=20240101T000000Z-aaaaaa/part-000.parquet", 10_000],
        ["all/mart_big/run_id=20240101T000000Z-aaaaaa/part-001.parquet", 10_000],
        ["all/mart_big/run_id=20240101T000000Z-aaaaaa/part-002.parquet", 5_000],
      ]);

      const local = await downloadVerified(manifest, join(root, "download-all"));
      for (const [mart, entry] of Object.entries(manifest.marts)) {
        const files = `[${(local[mart] ?? []).map(quoteLiteral).join(", ")}]`;
        const [count] = await warehouse.all<{ n: number }>(
          `select count(*) as n from main.${mart}`,
        );
        expect(entry.rows, mart).toBe(count?.n);
        const described = await warehouse.all<{ column_name: string; column_type: string }>(
          `describe select * from main.${mart}`,
        );
        expect(entry.columns, mart).toEqual(
          described.map((c) => ({ name: c.column_name, type: c.column_type })),
        );
        // Types survive the round trip: DATE stays DATE, TIMESTAMP stays TIMESTAMP, BIGINT stays BIGINT.
        const readBack = await warehouse.all<{ column_name: string; column_type: string }>(
          `describe select * from read_parquet(${files})`,
        );
        expect(
          readBack.map((c) => ({ name: c.column_name, type: c.column_type })),
          mart,
        ).toEqual(entry.columns);
        // Values, not bytes: both differences empty (EXCEPT ALL treats NULLs as equal).
        const [diff] = await warehouse.all<{ missing: number; extra: number }>(
          `select (select count(*) from (select * from main.${mart} except all select * from read_parquet(${files}))) as missing,
                  (select count(*) from (select * from read_parquet(${files}) except all select * from main.${mart})) as extra`,
        );
        expect(diff, mart).toEqual({ missing: 0, extra: 0 });
      }
      const types = new Set(
        Object.values(manifest.marts).flatMap((m) => m.columns.map((c) => c.type)),
      );
      expect([...types].sort()).toEqual([
        "BIGINT",
        "BOOLEAN",
        "DATE",
        "DOUBLE",
        "INTEGER",
        "TIMESTAMP",
        "VARCHAR",
      ]);

      // Microseconds survive (JS Dates would drop them, so compare in SQL).
      const [micros] = await warehouse.all<{ text: string }>(
        `select max(first_order_at)::varchar as text from read_parquet(${quoteLiteral(local.mart_user_profile?.[0] ?? "")})
          where user_id = '18446744073709551617'`,
      );
      expect(micros?.text).toBe("2018-01-02 10:00:00.123456");

      // Row groups are sized as asked (DuckDB rounds to a multiple of 2048).
      const groups = await warehouse.all<{ rows: number }>(
        `select distinct row_group_id, row_group_num_rows as rows from parquet_metadata(${quoteLiteral(local.mart_big?.[0] ?? "")})`,
      );
      expect(Math.max(...groups.map((g) => g.rows))).toBe(2048);
      expect(result.housekeeping).toMatchObject({
        keptRunIds: ["20240101T000000Z-aaaaaa"],
        deletedRunIds: [],
      });
      expect(await keysUnder("all/_runs/")).toEqual([
        runManifestKey("all", "20240101T000000Z-aaaaaa"),
      ]);
    } finally {
      warehouse.close();
    }
  });

  it("keeps the previous manifest and its files when a publish fails mid-way; the next one succeeds; old runs go only after a newer manifest", async () => {
    const prefix = "atomic";
    const warehouse = await martWarehouse("atomic");
    const base = {
      warehouse,
      settings: settings(prefix, 2),
      dataAsOf,
      layout: smallFiles,
    } as const;
    try {
      // An orphan of a publish killed long ago (older than every run below).
      await s3.store.write(
        `${prefix}/mart_rfm/run_id=20231231T000000Z-dead00/part-000.parquet`,
        "partial",
      );
      await sleep(1_100);

      const first = await publishRun({
        ...base,
        store: s3.store,
        runId: "20240101T000001Z-r1r1r1",
      });
      const firstKeys = first.manifest.marts.mart_big?.files.map((f) => f.key) ?? [];
      // The orphan predates the oldest kept run's first object, so it goes.
      expect(first.housekeeping).toMatchObject({ deletedRunIds: ["20231231T000000Z-dead00"] });

      // Fails after 5 uploads, half-way through the marts.
      const failing = new FailingStore(s3.store, 5);
      const failure = await publishRun({
        ...base,
        store: failing,
        runId: "20240101T000002Z-r2r2r2",
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PublishError);
      expect(String(failure)).toMatch(
        /injected failure writing atomic\/mart_\w+\/run_id=20240101T000002Z-r2r2r2\//,
      );
      expect(failing.parquetWrites).toBeGreaterThan(5);

      // Readers still follow run 1, and every file it names is there, byte for byte.
      const afterFailure = await currentManifest(prefix);
      expect(afterFailure).toEqual(first.manifest);
      await downloadVerified(afterFailure, join(root, "download-after-failure"));
      // The failed attempt removed what it had uploaded.
      expect(
        (await keysUnder(`${prefix}/`)).filter((key) => key.includes("20240101T000002Z-r2r2r2")),
      ).toEqual([]);

      // The same run id can be retried: it was never published.
      const second = await publishRun({
        ...base,
        store: s3.store,
        runId: "20240101T000002Z-r2r2r2",
      });
      expect((await currentManifest(prefix)).run_id).toBe("20240101T000002Z-r2r2r2");
      expect(second.housekeeping).toMatchObject({
        keptRunIds: ["20240101T000002Z-r2r2r2", "20240101T000001Z-r1r1r1"],
        deletedRunIds: [],
      });
      for (const key of firstKeys) expect(await s3.store.head(key), key).toBeDefined();
      await sleep(1_100);

      // Another process's publish still uploading (newer than the oldest kept run): never touched.
      const inProgress = `${prefix}/mart_rfm/run_id=20240101T000003Z-busy00/part-000.parquet`;
      await s3.store.write(inProgress, "uploading");

      const recording = new RecordingStore(s3.store);
      const third = await publishRun({
        ...base,
        store: recording,
        runId: "20240101T000004Z-r3r3r3",
      });
      expect(third.housekeeping).toMatchObject({
        keptRunIds: ["20240101T000004Z-r3r3r3", "20240101T000002Z-r2r2r2"],
        deletedRunIds: ["20240101T000001Z-r1r1r1"],
      });
      const remaining = await keysUnder(`${prefix}/`);
      expect(remaining.filter((key) => key.includes("r1r1r1") || key.includes("dead00"))).toEqual(
        [],
      );
      expect(remaining).toContain(inProgress);
      expect(remaining).toContain(runManifestKey(prefix, "20240101T000002Z-r2r2r2"));
      await downloadVerified(second.manifest, join(root, "download-kept"));
      await downloadVerified(await currentManifest(prefix), join(root, "download-third"));

      // Deletion strictly after the new manifest, and the Parquet files strictly before it.
      const manifestWrite = recording.log.indexOf(`write ${manifestKey(prefix)}`);
      const firstDelete = recording.log.findIndex((entry) => entry.startsWith("delete "));
      const lastParquet = recording.log
        .map((entry) => entry.startsWith("write ") && entry.endsWith(".parquet"))
        .lastIndexOf(true);
      expect(manifestWrite).toBeGreaterThan(lastParquet);
      expect(firstDelete).toBeGreaterThan(manifestWrite);
    } finally {
      warehouse.close();
    }
  });

  it("treats a manifest PUT that errored but landed as published, and one that did not land as failed", async () => {
    const warehouse = await martWarehouse("ambiguous");
    try {
      const base = { warehouse, settings: settings("ambiguous"), dataAsOf: null } as const;
      const first = await publishRun({
        ...base,
        store: s3.store,
        runId: "20240101T000001Z-ok0000",
      });

      // The PUT never reaches the store: the run fails, the previous manifest stays.
      const lost = new ManifestFaultStore(s3.store, false);
      await expect(
        publishRun({ ...base, store: lost, runId: "20240101T000002Z-lost00" }),
      ).rejects.toThrow(
        /previous manifest stays in force: timeout writing ambiguous\/_manifest.json/,
      );
      expect(await currentManifest("ambiguous")).toEqual(first.manifest);

      // The PUT lands but the response is lost: the run is live and complete.
      const landed = new ManifestFaultStore(s3.store, true);
      const result = await publishRun({ ...base, store: landed, runId: "20240101T000003Z-land00" });
      expect((await currentManifest("ambiguous")).run_id).toBe("20240101T000003Z-land00");
      await downloadVerified(result.manifest, join(root, "download-landed"));
    } finally {
      warehouse.close();
    }
  });

  it("refuses a run id that was already published, and one unfit for a key", async () => {
    const warehouse = await martWarehouse("refuse");
    try {
      const options = { warehouse, store: s3.store, settings: settings("refuse"), dataAsOf: null };
      const published = await publishRun({ ...options, runId: "20240101T000000Z-once00" });
      expect(published.manifest.data_as_of).toBeNull();
      await expect(publishRun({ ...options, runId: "20240101T000000Z-once00" })).rejects.toThrow(
        /run 20240101T000000Z-once00 is already published/,
      );
      await expect(publishRun({ ...options, runId: "../escape" })).rejects.toThrow(
        /cannot be part of an object key/,
      );
      expect((await currentManifest("refuse")).run_id).toBe("20240101T000000Z-once00");
    } finally {
      warehouse.close();
    }
  });

  it("fails without writing anything when there are no marts", async () => {
    const warehouse = await Warehouse.open(join(root, "empty.duckdb"));
    try {
      await expect(
        publishRun({
          warehouse,
          store: s3.store,
          settings: settings("none"),
          runId: "r1",
          dataAsOf: null,
        }),
      ).rejects.toThrow(/no main\.mart_\* tables/);
      expect(await keysUnder("none/")).toEqual([]);
    } finally {
      warehouse.close();
    }
  });

  it("publishes an empty mart as one file with its schema", async () => {
    const warehouse = await Warehouse.open(join(root, "empty-mart.duckdb"));
    try {
      await warehouse.run("create table mart_empty (user_id varchar, seen_at timestamp, n bigint)");
      const { manifest } = await publishRun({
        warehouse,
        store: s3.store,
        settings: settings("emptymart"),
        runId: "r1",
        dataAsOf: null,
      });
      expect(manifest.marts.mart_empty).toMatchObject({
        rows: 0,
        columns: [
          { name: "user_id", type: "VARCHAR" },
          { name: "seen_at", type: "TIMESTAMP" },
          { name: "n", type: "BIGINT" },
        ],
      });
      expect(manifest.marts.mart_empty?.files).toHaveLength(1);
    } finally {
      warehouse.close();
    }
  });
});
