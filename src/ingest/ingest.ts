import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log/logger.ts";
import type { ObjectInfo, ObjectStore } from "../storage/object-store.ts";
import { localPathForKey } from "../storage/safe-path.ts";
import { InputError } from "../util/errors.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { formatForKey } from "./formats.ts";
import { type FileLoadResult, type FileToLoad, loadFile } from "./load-file.ts";
import { ensureRawTables } from "./raw-tables.ts";
import { type SourceDefinition, sources } from "./sources.ts";

/** What ingest needs from the outside. */
export interface IngestContext {
  readonly runId: string;
  readonly warehouse: Warehouse;
  readonly store: ObjectStore;
  readonly rawPrefix: string;
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
 * Loads every new or changed object under `{rawPrefix}/{source}/` into its
 * raw table. Downloads run ahead of the loader with bounded concurrency;
 * loading is serial because DuckDB has one writer. A file that fails as a
 * whole is recorded and the others still load (see `assertNoFailedFiles`).
 */
export async function ingest(context: IngestContext): Promise<IngestSummary> {
  const wallStart = performance.now();
  await ensureRawTables(context.warehouse);
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
  try {
    const downloads = new Map<number, Promise<FileToLoad>>();
    let next = 0;
    const startNext = () => {
      const index = next++;
      const item = plan.toLoad[index] as PlannedLoad;
      const localPath = localPathForKey(downloadDir, item.object.key);
      const download = context.store
        .download(item.object, localPath)
        .then((): FileToLoad => ({ ...item, localPath }));
      // Handled when its turn comes; this keeps an early failure from being "unhandled".
      download.catch(() => undefined);
      downloads.set(index, download);
    };
    for (let index = 0; index < plan.toLoad.length; index += 1) {
      while (next < plan.toLoad.length && next < index + context.downloadConcurrency) startNext();
      const waitStart = performance.now();
      const file = await (downloads.get(index) as Promise<FileToLoad>);
      downloads.delete(index);
      const loadStart = performance.now();
      waitForDownload += (loadStart - waitStart) / 1000;
      // Formats leave decompressed or cleaned copies here; one file's worth at a time.
      const scratchDir = join(downloadDir, "scratch");
      await mkdir(scratchDir, { recursive: true });
      const result = await loadFile(context.warehouse, file, {
        runId: context.runId,
        maxRejectRatio: context.maxRejectRatio,
        scratchDir,
      });
      load += (performance.now() - loadStart) / 1000;
      await rm(file.localPath, { force: true });
      await rm(scratchDir, { recursive: true, force: true });
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
  } finally {
    await rm(downloadDir, { recursive: true, force: true });
  }

  return {
    filesListed: plan.listed,
    filesUnchanged: plan.unchanged,
    filesSkipped: plan.skipped,
    files,
    sources: sources.map((source) => totalsFor(source.name, files)),
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

interface PlannedLoad {
  readonly object: ObjectInfo;
  readonly source: SourceDefinition;
  readonly format: NonNullable<ReturnType<typeof formatForKey>>;
}

async function planLoads(context: IngestContext) {
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
  for (const source of sources) {
    for await (const object of context.store.list(`${context.rawPrefix}/${source.name}/`)) {
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
        toLoad.push({ object, source, format });
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
