import type { Logger } from "../log/logger.ts";
import type { ObjectInfo, ObjectStore } from "../storage/object-store.ts";
import { toError } from "../util/errors.ts";
import { manifestKey, type PublishManifest, parseManifest, runManifestKey } from "./manifest.ts";

/** What housekeeping kept and removed. */
export interface PruneResult {
  /** Newest first; always includes the current run. */
  readonly keptRunIds: readonly string[];
  readonly deletedRunIds: readonly string[];
  readonly deletedObjects: number;
}

interface CompletedRun {
  readonly runId: string;
  readonly finishedAt: string;
  readonly manifest: PublishManifest;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Deletes published runs beyond the newest `keepRuns`, after `current` has
 * become the manifest readers follow. Completed runs are those with a copy of
 * their manifest under `_runs/`; they are ranked by `finished_at`. A run
 * folder without one (a failed or killed publish, or one still uploading in
 * another process) is deleted only when every object in it is older than the
 * first object of the oldest kept run — S3's own clock on both sides — so a
 * publish in progress elsewhere is never touched. A key named by a kept
 * manifest is never deleted, whatever folder it sits in.
 */
export async function pruneRuns(
  store: ObjectStore,
  publishPrefix: string,
  keepRuns: number,
  current: PublishManifest,
  logger?: Logger,
): Promise<PruneResult> {
  const runFolder = new RegExp(`^${escapeRegExp(publishPrefix)}/(mart_[^/]+)/run_id=([^/]+)/`);
  const runCopy = new RegExp(`^${escapeRegExp(publishPrefix)}/_runs/([^/]+)\\.json$`);
  const filesByRun = new Map<string, ObjectInfo[]>();
  const copies = new Map<string, ObjectInfo>();
  for await (const object of store.list(`${publishPrefix}/`)) {
    const folder = runFolder.exec(object.key);
    if (folder?.[2]) {
      const files = filesByRun.get(folder[2]) ?? [];
      files.push(object);
      filesByRun.set(folder[2], files);
      continue;
    }
    const copy = runCopy.exec(object.key);
    if (copy?.[1]) copies.set(copy[1], object);
  }

  const completed = new Map<string, CompletedRun>();
  for (const [runId, object] of copies) {
    if (runId === current.run_id) continue;
    try {
      const manifest = parseManifest(await store.read(object.key), object.key);
      completed.set(runId, { runId, finishedAt: manifest.finished_at, manifest });
    } catch (error) {
      // An unreadable copy is not trusted to describe a run; its folders age out as orphans.
      logger?.warn(
        { key: object.key, err: toError(error).message },
        "skipping unreadable run manifest",
      );
    }
  }
  completed.set(current.run_id, {
    runId: current.run_id,
    finishedAt: current.finished_at,
    manifest: current,
  });

  const newestFirst = [...completed.values()].sort((a, b) =>
    a.finishedAt === b.finishedAt
      ? compareText(b.runId, a.runId)
      : compareText(b.finishedAt, a.finishedAt),
  );
  const kept = newestFirst.slice(0, Math.max(1, keepRuns));
  // Another process may have published a later run meanwhile; the run we just
  // made current must survive its own housekeeping regardless.
  if (!kept.some((run) => run.runId === current.run_id))
    kept.push(completed.get(current.run_id) as CompletedRun);
  const keptIds = new Set(kept.map((run) => run.runId));
  const protectedKeys = new Set<string>([manifestKey(publishPrefix)]);
  for (const run of kept) {
    protectedKeys.add(runManifestKey(publishPrefix, run.runId));
    for (const mart of Object.values(run.manifest.marts))
      for (const file of mart.files) protectedKeys.add(file.key);
  }

  let cutoff = Number.POSITIVE_INFINITY;
  for (const run of kept) {
    for (const object of filesByRun.get(run.runId) ?? [])
      cutoff = Math.min(cutoff, object.lastModified.getTime());
  }

  const deletedRunIds: string[] = [];
  let deletedObjects = 0;
  const remove = async (runId: string, keys: readonly string[]): Promise<void> => {
    const doomed = keys.filter((key) => !protectedKeys.has(key));
    if (doomed.length === 0) return;
    await store.delete(doomed);
    deletedObjects += doomed.length;
    if (!deletedRunIds.includes(runId)) deletedRunIds.push(runId);
  };

  for (const run of newestFirst) {
    if (keptIds.has(run.runId)) continue;
    // The copy goes first: a kill half-way leaves unnamed files, which the
    // next housekeeping removes as orphans, never a copy naming missing files.
    await remove(run.runId, [runManifestKey(publishPrefix, run.runId)]);
    await remove(
      run.runId,
      (filesByRun.get(run.runId) ?? []).map((object) => object.key),
    );
  }
  for (const [runId, objects] of filesByRun) {
    if (completed.has(runId) || keptIds.has(runId)) continue;
    const newest = Math.max(...objects.map((object) => object.lastModified.getTime()));
    if (newest < cutoff) {
      await remove(
        runId,
        objects.map((object) => object.key),
      );
    } else {
      logger?.debug(
        { run_id: runId },
        "keeping unpublished run folder: not older than the oldest kept run",
      );
    }
  }
  logger?.info(
    {
      kept_runs: kept.map((run) => run.runId),
      deleted_runs: deletedRunIds,
      deleted_objects: deletedObjects,
    },
    "pruned old published runs",
  );
  return { keptRunIds: kept.map((run) => run.runId), deletedRunIds, deletedObjects };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
