import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log/logger.ts";
import { createProgress } from "../log/progress.ts";
import type { ResolvedSource } from "../sources/resolve-sources.ts";
import type { CategoryRule } from "../sources/source-settings.ts";
import type { ObjectInfo, ObjectStore } from "../storage/object-store.ts";
import { localPathForKey } from "../storage/safe-path.ts";
import { ConcurrencyLimit } from "../util/concurrency-limit.ts";
import { InputError } from "../util/errors.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { checkSourceMappings } from "./check-mappings.ts";
import type { FileFormat } from "./file-format.ts";
import { formatForKey } from "./formats.ts";
import { type FileLoadResult, type FileToLoad, loadBatch } from "./load-batch.ts";
import { ensureRawTables } from "./raw-tables.ts";

/** What ingest needs from the outside. */
export interface IngestContext {
  readonly runId: string;
  readonly warehouse: Warehouse;
  readonly store: ObjectStore;
  /** Every source with its prefix and mapping, built-in ones first. */
  readonly sources: readonly ResolvedSource[];
  /** Checked at start with the mappings: a rule that is no regex stops the run. */
  readonly categoryRules?: readonly CategoryRule[];
  readonly workDir: string;
  readonly maxRejectRatio: number;
  readonly downloadConcurrency: number;
  readonly logger: Logger;
}

/** Per-source totals of one ingest. */
export interface SourceIngestTotals {
  readonly source: string;
  readonly files: number;
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
}

/** Everything one ingest did, for the run record, the summary and the bench. */
export interface IngestSummary {
  readonly filesListed: number;
  readonly filesUnchanged: number;
  readonly filesSkipped: number;
  readonly files: readonly FileLoadResult[];
  readonly sources: readonly SourceIngestTotals[];
  readonly bytes: number;
  readonly seconds: {
    readonly list: number;
    readonly waitForDownload: number;
    readonly load: number;
    readonly wall: number;
  };
}

/**
 * Loads every new or changed object under each source's prefix into its
 * raw table. Downloads run ahead of the loader with bounded concurrency;
 * loading is serial because DuckDB has one writer. A file that fails as a
 * whole is recorded and the others still load (see `assertNoFailedFiles`).
 */
export async function ingest(context: IngestContext): Promise<IngestSummary> {
  const wallStart = performance.now();
  await checkSourceMappings(context.warehouse, context.sources, context.categoryRules);
  await ensureRawTables(
    context.warehouse,
    context.sources.map((source) => source.declaration),
  );
  const listStart = performance.now();
  const plan = await planLoads(context);
  const listSeconds = (performance.now() - listStart) / 1000;
  context.logger.info(
    {
      listed: plan.listed,
      toLoad: plan.toLoad.length,
      unchanged: plan.unchanged,
      skipped: plan.skipped,
    },
    "ingest plan",
  );

  const downloadDir = join(context.workDir, "downloads", context.runId);
  await rm(downloadDir, { recursive: true, force: true });
  await mkdir(downloadDir, { recursive: true });
  const files: FileLoadResult[] = [];
  let waitForDownload = 0;
  let load = 0;
  const batches = intoBatches(plan.toLoad);
  const limit = new ConcurrencyLimit(context.downloadConcurrency);
  const downloads = new Map<PlannedLoad, Promise<FileToLoad>>();
  const startDownloads = (batch: readonly PlannedLoad[] | undefined) => {
    for (const item of batch ?? []) {
      if (downloads.has(item)) continue;
      const localPath = localPathForKey(downloadDir, item.object.key);
      const download = limit
        .run(() => context.store.download(item.object, localPath))
        .then((): FileToLoad => ({ ...item, localPath }));
      // Awaited when its batch loads; this keeps an early failure from being "unhandled".
      download.catch(() => undefined);
      downloads.set(item, download);
    }
  };
  const progress = createProgress("ingest");
  let filesDone = 0;
  try {
    for (const [index, batch] of batches.entries()) {
      startDownloads(batch);
      // The next batch downloads while this one loads.
      startDownloads(batches[index + 1]);
      const waitStart = performance.now();
      const ready = await Promise.all(
        batch.map((item) => downloads.get(item) as Promise<FileToLoad>),
      );
      const loadStart = performance.now();
      waitForDownload += (loadStart - waitStart) / 1000;
      // Formats leave decompressed or cleaned copies here; one batch's worth at a time.
      const scratchDir = join(downloadDir, "scratch");
      await mkdir(scratchDir, { recursive: true });
      const results = await loadBatch(context.warehouse, ready, {
        runId: context.runId,
        maxRejectRatio: context.maxRejectRatio,
        scratchDir,
      });
      load += (performance.now() - loadStart) / 1000;
      await Promise.all(ready.map((file) => rm(file.localPath, { force: true })));
      await rm(scratchDir, { recursive: true, force: true });
      for (const item of batch) downloads.delete(item);
      filesDone += batch.length;
      progress.advance(filesDone, plan.toLoad.length);
      for (const result of results) {
        files.push(result);
        if (result.status === "failed") {
          context.logger.error({ file: result.key, reason: result.reason }, "file failed to load");
        } else {
          context.logger.debug(
            { file: result.key, rows: result.rowsLoaded, rejected: result.rowsRejected },
            "file loaded",
          );
        }
      }
      context.logger.debug(
        { batch: index + 1, of: batches.length, files: batch.length },
        "batch loaded",
      );
    }
  } finally {
    progress.finish();
    // A failed download ends the loop while others of its batch and the next
    // are still writing into the folder: removing it under them fails
    // (ENOTEMPTY) and would hide the error that named the file.
    await Promise.allSettled(downloads.values());
    await rm(downloadDir, { recursive: true, force: true });
  }

  return {
    filesListed: plan.listed,
    filesUnchanged: plan.unchanged,
    filesSkipped: plan.skipped,
    files,
    sources: context.sources.map((source) => totalsFor(source.declaration.name, files)),
    bytes: plan.toLoad.reduce((sum, item) => sum + item.object.size, 0),
    seconds: {
      list: listSeconds,
      waitForDownload,
      load,
      wall: (performance.now() - wallStart) / 1000,
    },
  };
}

/**
 * Throws an InputError naming every file that failed as a whole and why,
 * so the run stops before the transform step (SPEC §1).
 */
export function assertNoFailedFiles(summary: IngestSummary): void {
  const failed = summary.files.filter((file) => file.status === "failed");
  if (failed.length === 0) return;
  const list = failed.map((file) => `${file.key}: ${file.reason}`).join("; ");
  throw new InputError(
    `${failed.length} file${failed.length > 1 ? "s" : ""} failed to load: ${list} (fix and re-upload, or run \`duckmart files skip KEY\`)`,
  );
}

/** An object ingest will load, and whether it replaces an earlier load of its key. */
export interface PlannedLoad {
  readonly object: ObjectInfo;
  readonly source: ResolvedSource;
  readonly format: FileFormat;
  readonly replaces: boolean;
}

/** Files per load transaction, and bytes: bounds scratch disk and staging memory. */
const maxBatchFiles = 128;
const maxBatchBytes = 256 * 1024 * 1024;

/** Consecutive files of one source and format, up to the batch limits. */
function intoBatches(planned: readonly PlannedLoad[]): PlannedLoad[][] {
  const batches: PlannedLoad[][] = [];
  let current: PlannedLoad[] = [];
  let bytes = 0;
  for (const item of planned) {
    const first = current[0];
    const fits =
      first !== undefined &&
      first.source === item.source &&
      first.format === item.format &&
      current.length < maxBatchFiles &&
      bytes + item.object.size <= maxBatchBytes;
    if (!fits && current.length > 0) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.object.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Lists every source's prefix and sorts the objects into new or changed
 * (to load, by key), unchanged, and skipped by `duckmart files`. Reads
 * only; `duckmart run --dry-run` shows it.
 */
export async function planLoads(
  context: Pick<IngestContext, "warehouse" | "store" | "sources">,
): Promise<{
  readonly listed: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly toLoad: readonly PlannedLoad[];
}> {
  // Every prefix is listed at once, while the warehouse is read: against S3
  // each page is a round trip. All listings settle before any error is
  // thrown, and the error is that of the first source that failed, so which
  // one is named does not depend on timing.
  const listing = Promise.allSettled(
    context.sources
      .filter((source) => source.listed)
      .map(async (source) => {
        const objects: ObjectInfo[] = [];
        for await (const object of context.store.list(`${source.prefix}/`)) objects.push(object);
        return { source, objects };
      }),
  ).then((settled) =>
    settled.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    }),
  );
  // Awaited below; this keeps a listing that fails during the reads from being "unhandled".
  listing.catch(() => undefined);
  const loaded = new Map(
    (
      await context.warehouse.all<{ key: string; etag: string }>(
        "select key, etag from meta.loaded_files",
      )
    ).map((row) => [row.key, row.etag]),
  );
  const skipped = new Map(
    (
      await context.warehouse.all<{ key: string; etag: string | null }>(
        "select key, etag from meta.skipped_files",
      )
    ).map((row) => [row.key, row.etag]),
  );
  const toLoad: PlannedLoad[] = [];
  let listed = 0;
  let unchanged = 0;
  let skippedCount = 0;
  for (const { source, objects } of await listing) {
    for (const object of objects) {
      const format = formatForKey(object.key);
      if (!format) continue;
      listed += 1;
      if (
        skipped.has(object.key) &&
        [null, object.etag].includes(skipped.get(object.key) ?? null)
      ) {
        skippedCount += 1;
      } else if (loaded.get(object.key) === object.etag) {
        unchanged += 1;
      } else {
        toLoad.push({ object, source, format, replaces: loaded.has(object.key) });
      }
    }
  }
  toLoad.sort((a, b) => (a.object.key < b.object.key ? -1 : a.object.key > b.object.key ? 1 : 0));
  return { listed, unchanged, skipped: skippedCount, toLoad };
}

function totalsFor(source: string, files: readonly FileLoadResult[]): SourceIngestTotals {
  const mine = files.filter((file) => file.source === source && file.status === "loaded");
  return {
    source,
    files: mine.length,
    rowsRead: mine.reduce((sum, file) => sum + file.rowsRead, 0),
    rowsLoaded: mine.reduce((sum, file) => sum + file.rowsLoaded, 0),
    rowsRejected: mine.reduce((sum, file) => sum + file.rowsRejected, 0),
  };
}
