import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Settings } from "../config/settings.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import type { ObjectBody, ObjectStore } from "../storage/object-store.ts";
import { PublishError, toError } from "../util/errors.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import {
  defaultParquetLayout,
  describeMart,
  exportMartToParquet,
  type MartColumn,
  type ParquetLayout,
  type ParquetPart,
} from "./export-parquet.ts";
import { digestFile } from "./file-digest.ts";
import {
  formatLocalTimestamp,
  manifestFormatVersion,
  manifestKey,
  martPartKey,
  martRunPrefix,
  type PublishedFile,
  type PublishedMart,
  type PublishManifest,
  parseManifest,
  runManifestKey,
  serializeManifest,
} from "./manifest.ts";
import { listMartTables, type MartTable } from "./mart-tables.ts";
import { type PruneResult, pruneRuns } from "./prune-runs.ts";
import { TaskPool } from "./task-pool.ts";

/** What `publishRun` needs. */
export interface PublishOptions {
  /** The run's warehouse, open for writing (COPY … TO needs file access). */
  readonly warehouse: Warehouse;
  readonly store: ObjectStore;
  readonly settings: Pick<Settings, "publishPrefix" | "keepRuns" | "workDir">;
  /** Unique per run; becomes part of object keys (letters, digits, `.`, `_`, `:`, `-`). */
  readonly runId: string;
  /** SPEC §2 `data_as_of`: latest staged event time, or null with no staged rows. */
  readonly dataAsOf: Date | string | null;
  /** Grain columns per mart, published as `keys`; a mart missing here gets `[]`. */
  readonly martKeys?: Readonly<Record<string, readonly string[]>>;
  /** Uploads in flight at once (default 4). */
  readonly uploadConcurrency?: number;
  readonly layout?: Partial<ParquetLayout>;
  readonly logger?: Logger;
  /** Aborting stops before the next mart or upload and before the manifest is written. */
  readonly signal?: AbortSignal;
}

/** Outcome of a publish. */
export interface PublishResult {
  readonly manifest: PublishManifest;
  readonly manifestKey: string;
  readonly files: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Housekeeping runs after the manifest is in place; its failure does not undo the publish. */
  readonly housekeeping: PruneResult | { readonly error: string };
}

const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const parquetContentType = "application/vnd.apache.parquet";
/** Files up to this size go up as one PUT with Content-MD5; larger ones as a streamed multipart upload. */
const singlePutLimit = 16 * 1024 * 1024;

/**
 * Publishes every `main.mart_*` table as Parquet under
 * `{publishPrefix}/{mart}/run_id={runId}/part-NNN.parquet`, then writes
 * `{publishPrefix}/_manifest.json` last (SPEC §4). Until that one PUT
 * succeeds, readers keep following the previous manifest, whose files this
 * function never touches: it writes only under its own run id and refuses a
 * run id that was already published. After the manifest is in place it keeps
 * a copy under `_runs/{runId}.json` and deletes runs beyond `keepRuns`.
 *
 * @example
 * const result = await publishRun({ warehouse, store, settings, runId, dataAsOf });
 * console.log(result.manifest.marts.mart_rfm?.rows);
 */
export async function publishRun(options: PublishOptions): Promise<PublishResult> {
  const { warehouse, store, runId } = options;
  const prefix = options.settings.publishPrefix;
  const layout: ParquetLayout = { ...defaultParquetLayout, ...options.layout };
  const log = options.logger ?? silentLogger();
  if (!runIdPattern.test(runId)) {
    throw new PublishError(
      `run id ${JSON.stringify(runId)} cannot be part of an object key: use ${runIdPattern}`,
    );
  }
  const startedAt = new Date();
  const started = performance.now();

  const previous = await readCurrentManifest(store, prefix, log);
  if (previous?.run_id === runId || (await store.head(runManifestKey(prefix, runId)))) {
    throw new PublishError(
      `run ${runId} is already published under ${prefix}/; published runs are immutable`,
    );
  }
  if (previous && !(await store.head(runManifestKey(prefix, previous.run_id)))) {
    // The previous publish died before its housekeeping: record it, so that it
    // counts as a completed run when old runs are pruned.
    await store.write(
      runManifestKey(prefix, previous.run_id),
      serializeManifest(previous),
      "application/json",
    );
  }
  await deleteLeftovers(store, prefix, runId, await listMartTables(warehouse), log);

  const stages = join(options.settings.workDir, "publish");
  await removeStaleStages(stages, log);
  const stage = join(stages, runId);
  await rm(stage, { recursive: true, force: true });
  const pool = new TaskPool(options.uploadConcurrency ?? 4);
  const attempted = new Set<string>();
  const inFlight: Promise<PublishedFile>[] = [];
  const exported: { mart: MartTable; columns: MartColumn[]; uploads: Promise<PublishedFile>[] }[] =
    [];
  let manifest: PublishManifest | undefined;
  let manifestSent = false;
  try {
    // One transaction: every mart comes from the same snapshot of the warehouse.
    await warehouse.transaction(async (session) => {
      const marts = await listMartTables(session);
      if (marts.length === 0) throw new PublishError("there are no main.mart_* tables to publish");
      for (const mart of marts) {
        checkpoint(options.signal, pool);
        const directory = join(stage, mart.name);
        await mkdir(directory, { recursive: true });
        const columns = await describeMart(session, mart);
        const uploads: Promise<PublishedFile>[] = [];
        const martStarted = performance.now();
        const parts = await exportMartToParquet(session, mart, directory, layout, (part) => {
          const key = martPartKey(prefix, mart.name, runId, part.index);
          attempted.add(key);
          const upload = pool.run(() => {
            checkpoint(options.signal, pool);
            return uploadPart(store, mart.name, key, part, log);
          });
          uploads.push(upload);
          inFlight.push(upload);
        });
        log.debug(
          {
            mart: mart.name,
            files: parts.length,
            rows: sum(parts.map((p) => p.rows)),
            ms: elapsed(martStarted),
          },
          "wrote mart as parquet",
        );
        exported.push({ mart, columns, uploads });
      }
    });

    const marts: Record<string, PublishedMart> = {};
    for (const { mart, columns, uploads } of exported) {
      const files = await Promise.all(uploads);
      marts[mart.name] = {
        rows: sum(files.map((file) => file.rows)),
        keys: [...(options.martKeys?.[mart.name] ?? [])],
        columns,
        files,
      };
    }
    await verifyUploaded(store, prefix, runId, marts);
    checkpoint(options.signal, pool);
    manifest = {
      format_version: manifestFormatVersion,
      run_id: runId,
      finished_at: new Date().toISOString(),
      publish_started_at: startedAt.toISOString(),
      data_as_of: formatLocalTimestamp(options.dataAsOf),
      marts,
    };
    // The commit point: one PUT replaces the manifest atomically for readers.
    manifestSent = true;
    await store.write(manifestKey(prefix), serializeManifest(manifest), "application/json");
  } catch (error) {
    await Promise.allSettled(inFlight);
    // A PUT that failed on the way back (a timeout) may still have landed:
    // then this run is live and its files must stay.
    const landed = manifestSent ? await manifestLanded(store, prefix, runId, log) : false;
    if (!landed) {
      if (manifestSent) {
        // A late write could still land, so its files stay; housekeeping removes them otherwise.
        log.warn(
          "the manifest write failed; this run's files stay until housekeeping removes them",
        );
      } else {
        await discardAttempt(store, [...attempted], log);
      }
      throw new PublishError(
        `publishing run ${runId} failed; the previous manifest stays in force: ${toError(error).message}`,
        { cause: error },
      );
    }
    log.warn(
      { err: toError(error).message },
      "the manifest write reported an error but the manifest is in place",
    );
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  if (!manifest) throw new PublishError(`publishing run ${runId} produced no manifest`);

  const files = Object.values(manifest.marts).flatMap((mart) => mart.files);
  const bytes = sum(files.map((file) => file.bytes));
  log.info(
    { marts: Object.keys(manifest.marts).length, files: files.length, bytes, ms: elapsed(started) },
    "published marts; manifest written",
  );

  let housekeeping: PublishResult["housekeeping"];
  try {
    await store.write(
      runManifestKey(prefix, runId),
      serializeManifest(manifest),
      "application/json",
    );
    housekeeping = await pruneRuns(store, prefix, options.settings.keepRuns, manifest, log);
  } catch (error) {
    const message = toError(error).message;
    log.warn({ err: message }, "housekeeping after publish failed; the next publish retries it");
    housekeeping = { error: message };
  }
  return {
    manifest,
    manifestKey: manifestKey(prefix),
    files: files.length,
    bytes,
    seconds: elapsed(started) / 1000,
    housekeeping,
  };
}

/**
 * The manifest readers currently follow, or undefined when none was
 * published yet. An unreadable manifest is logged and treated as absent:
 * publishing a valid one is the repair.
 */
export async function readCurrentManifest(
  store: ObjectStore,
  publishPrefix: string,
  logger?: Logger,
): Promise<PublishManifest | undefined> {
  const key = manifestKey(publishPrefix);
  if (!(await store.head(key))) return undefined;
  try {
    return parseManifest(await store.read(key), key);
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    logger?.warn(
      { key, err: error.message },
      "current manifest is unreadable; it will be replaced",
    );
    return undefined;
  }
}

async function uploadPart(
  store: ObjectStore,
  mart: string,
  key: string,
  part: ParquetPart,
  log: Logger,
): Promise<PublishedFile> {
  const digest = await digestFile(part.path);
  const started = performance.now();
  try {
    // The store retries each request within its one budget (s3MaxAttempts): no
    // retries here, which would multiply with it.
    const body: ObjectBody =
      digest.bytes <= singlePutLimit ? await readFile(part.path) : createReadStream(part.path);
    await store.write(key, body, parquetContentType);
  } catch (error) {
    throw new PublishError(
      `uploading ${mart} file ${part.path} to ${key} failed: ${toError(error).message}`,
      {
        cause: error,
      },
    );
  }
  const stored = await store.head(key);
  if (!stored || stored.size !== digest.bytes) {
    throw new PublishError(
      `uploaded ${mart} object ${key} has ${stored?.size ?? "no"} bytes, expected ${digest.bytes}`,
    );
  }
  // A single-part ETag is the body's MD5; a multipart one ("…-N") is not.
  if (/^[0-9a-f]{32}$/i.test(stored.etag) && stored.etag.toLowerCase() !== digest.md5) {
    throw new PublishError(
      `uploaded ${mart} object ${key} has ETag ${stored.etag}, expected MD5 ${digest.md5}`,
    );
  }
  await rm(part.path, { force: true });
  log.debug(
    { mart, key, bytes: digest.bytes, rows: part.rows, ms: elapsed(started) },
    "uploaded parquet",
  );
  return { key, bytes: digest.bytes, sha256: digest.sha256, rows: part.rows };
}

/** Whether the manifest readers follow is this run's; false when that cannot be read either. */
async function manifestLanded(
  store: ObjectStore,
  prefix: string,
  runId: string,
  log: Logger,
): Promise<boolean> {
  try {
    return (await readCurrentManifest(store, prefix, log))?.run_id === runId;
  } catch {
    return false;
  }
}

/** Lists each mart's run folder and checks every file is there whole, just before the manifest names them. */
async function verifyUploaded(
  store: ObjectStore,
  prefix: string,
  runId: string,
  marts: Readonly<Record<string, PublishedMart>>,
): Promise<void> {
  for (const [mart, entry] of Object.entries(marts)) {
    const sizes = new Map<string, number>();
    for await (const object of store.list(martRunPrefix(prefix, mart, runId)))
      sizes.set(object.key, object.size);
    for (const file of entry.files) {
      const size = sizes.get(file.key);
      if (size !== file.bytes) {
        throw new PublishError(
          `${mart} object ${file.key} ${size === undefined ? "is missing" : `has ${size} bytes, expected ${file.bytes}`} before the manifest was written`,
        );
      }
    }
  }
}

/**
 * Objects under this run id left by an earlier, failed attempt; no manifest
 * names them. Only the run folders of the marts to publish are listed, not
 * everything published: a folder of a mart that is gone is an orphan, which
 * housekeeping (`pruneRuns`) removes.
 */
async function deleteLeftovers(
  store: ObjectStore,
  prefix: string,
  runId: string,
  marts: readonly MartTable[],
  log: Logger,
): Promise<void> {
  const leftovers: string[] = [];
  for (const mart of marts)
    for await (const object of store.list(martRunPrefix(prefix, mart.name, runId)))
      leftovers.push(object.key);
  if (leftovers.length === 0) return;
  log.info(
    { objects: leftovers.length },
    "deleting objects of an earlier failed attempt of this run",
  );
  await store.delete(leftovers);
}

/** Best effort: a failed publish removes what it uploaded; housekeeping catches what this misses. */
async function discardAttempt(
  store: ObjectStore,
  keys: readonly string[],
  log: Logger,
): Promise<void> {
  if (keys.length === 0) return;
  try {
    await store.delete(keys);
  } catch (error) {
    log.warn(
      { err: toError(error).message, objects: keys.length },
      "could not delete the files of the failed publish",
    );
  }
}

/** Local staging older than this belongs to a killed publish, not one in progress. */
const staleStageMs = 6 * 60 * 60 * 1000;

/** Removes the Parquet staging folders that killed publishes left in the work folder. */
async function removeStaleStages(folder: string, log: Logger): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(folder);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(folder, entry);
    const modified = (await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now();
    if (Date.now() - modified < staleStageMs) continue;
    log.info({ path }, "removing the staging folder of an abandoned publish");
    await rm(path, { recursive: true, force: true });
  }
}

function checkpoint(signal: AbortSignal | undefined, pool: TaskPool): void {
  if (signal?.aborted) throw new PublishError("publish cancelled", { cause: signal.reason });
  if (pool.failure) throw pool.failure;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
