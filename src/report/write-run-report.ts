import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "../log/logger.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { assertInside } from "../storage/safe-path.ts";
import { DuckmartError } from "../util/errors.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";
import { directoryChartCache } from "./chart-cache.ts";
import { buildRunReport } from "./render-run-report.ts";
import type { StagingCounts } from "./staging-counts.ts";

const htmlContentType = "text/html; charset=utf-8";

/** Where a run's report is kept locally: `<warehouse folder>/reports/<run_id>/index.html`. */
export function localReportPath(warehousePath: string, runId: string): string {
  const folder = join(dirname(resolve(warehousePath)), "reports");
  const path = join(folder, runId, "index.html");
  assertInside(folder, path);
  return path;
}

/** Where drawn charts are cached between runs: `<warehouse folder>/reports/.chart-cache/`. */
export function chartCacheDir(warehousePath: string): string {
  return join(dirname(resolve(warehousePath)), "reports", ".chart-cache");
}

/** Object key of a run's published report: `{publishPrefix}/_report/run_id={runId}/index.html`. */
export function reportKey(publishPrefix: string, runId: string): string {
  return `${publishPrefix}/_report/run_id=${runId}/index.html`;
}

/** Object key of the newest published report: `{publishPrefix}/_report/latest/index.html`. */
export function latestReportKey(publishPrefix: string): string {
  return `${publishPrefix}/_report/latest/index.html`;
}

/** Where to publish a report, when it is published at all. */
export interface ReportPublishTarget {
  readonly store: ObjectStore;
  readonly publishPrefix: string;
  /** Also replace `_report/latest/` (only after the run's manifest is in place). */
  readonly latest: boolean;
}

/** Options of {@link writeRunReport}. */
export interface WriteRunReportOptions {
  /** Default: the newest run. */
  readonly runId?: string;
  readonly baseCurrency: string;
  /** The warehouse file; the default local path is next to it. */
  readonly warehousePath: string;
  /** Write here instead of the default local path. */
  readonly outFile?: string;
  /** Shown in the report's footer as the source of its numbers. */
  readonly databasePath?: string;
  readonly staging?: readonly StagingCounts[];
  readonly publish?: ReportPublishTarget;
  /** Reuse charts of unchanged marts from `chartCacheDir` (default true). */
  readonly cacheCharts?: boolean;
  readonly logger?: Logger;
}

/** What {@link writeRunReport} wrote. */
export interface WrittenRunReport {
  readonly runId: string;
  readonly path: string;
  readonly bytes: number;
  /** Object key of the run's report, when published. */
  readonly key?: string;
  readonly latestKey?: string;
  readonly chartsDrawn: number;
  /** Charts not drawn, with the reason (a missing mart, no rows). */
  readonly chartsSkipped: readonly { readonly id: string; readonly reason: string }[];
  /** The quarantine counts shown, so a run record can keep them for later re-renders. */
  readonly staging: readonly StagingCounts[];
}

/**
 * Renders the run report and writes it to a local file (atomically: a
 * reader never sees half a page), then optionally uploads it as
 * `{publishPrefix}/_report/run_id={runId}/index.html` and, with `latest`,
 * copies it to `{publishPrefix}/_report/latest/index.html`.
 *
 * @example
 * const written = await writeRunReport(warehouse, { baseCurrency: "RUB", warehousePath: settings.warehouse });
 * console.log(written.path);
 */
export async function writeRunReport(
  session: SqlSession,
  options: WriteRunReportOptions,
): Promise<WrittenRunReport> {
  const started = performance.now();
  const report = await buildRunReport(session, options.runId, {
    baseCurrency: options.baseCurrency,
    databasePath: options.databasePath,
    staging: options.staging,
    ...(options.cacheCharts === false
      ? {}
      : { chartCache: directoryChartCache(chartCacheDir(options.warehousePath)) }),
    publishedAs:
      options.publish && options.runId
        ? reportKey(options.publish.publishPrefix, options.runId)
        : undefined,
    logger: options.logger,
  });
  const runId = report.data.run.runId;
  const path = resolve(options.outFile ?? localReportPath(options.warehousePath, runId));
  const body = Buffer.from(report.html, "utf8");
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, path);

  let key: string | undefined;
  let latestKey: string | undefined;
  if (options.publish) {
    const { store, publishPrefix } = options.publish;
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(runId)) {
      throw new DuckmartError(`run id ${JSON.stringify(runId)} cannot be part of an object key`);
    }
    key = reportKey(publishPrefix, runId);
    await store.write(key, body, htmlContentType);
    if (options.publish.latest) {
      latestKey = latestReportKey(publishPrefix);
      await store.write(latestKey, body, htmlContentType);
    }
  }
  const skipped = report.charts
    .filter((chart) => chart.svg === undefined)
    .map((chart) => ({ id: chart.id, reason: chart.skipped ?? "" }));
  options.logger?.info(
    {
      path,
      bytes: body.length,
      key,
      latestKey,
      charts: report.charts.length - skipped.length,
      skipped: skipped.map((chart) => chart.id),
      ms: Math.round(performance.now() - started),
    },
    "wrote run report",
  );
  return {
    runId,
    path,
    bytes: body.length,
    ...(key === undefined ? {} : { key }),
    ...(latestKey === undefined ? {} : { latestKey }),
    chartsDrawn: report.charts.length - skipped.length,
    chartsSkipped: skipped,
    staging: report.data.staging,
  };
}

/**
 * Deletes published reports of runs that are no longer kept (publish's
 * housekeeping decides which runs stay); `latest` is never touched.
 * Returns the number of objects deleted.
 */
export async function pruneReports(
  store: ObjectStore,
  publishPrefix: string,
  keptRunIds: ReadonlySet<string>,
): Promise<number> {
  const folder = `${publishPrefix}/_report/run_id=`;
  const doomed: string[] = [];
  for await (const object of store.list(folder)) {
    const runId = object.key.slice(folder.length).split("/")[0] ?? "";
    if (!keptRunIds.has(runId)) doomed.push(object.key);
  }
  if (doomed.length > 0) await store.delete(doomed);
  return doomed.length;
}
