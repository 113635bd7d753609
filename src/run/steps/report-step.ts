import {
  pruneReports,
  type WrittenRunReport,
  writeRunReport,
} from "../../report/write-run-report.ts";
import type { JobStep } from "../job.ts";

/**
 * Writes the run report (SPEC §4 housekeeping): locally next to the
 * warehouse, then, when this run published, under
 * `{publishPrefix}/_report/run_id={run_id}/` and as the `latest` copy —
 * after the manifest, since the report describes a published run. Reports
 * of runs that publish's housekeeping no longer keeps are deleted.
 *
 * Place it after `publish` and before `serve`: the analyst database then
 * holds this step's record, whose detail keeps the quarantine counts, so
 * `duckmart docs` can re-render the report from the analyst database (which
 * has no staging tables) while a run holds the warehouse.
 */
export const reportStep: JobStep = {
  name: "report",
  housekeeping: true,
  async run(context) {
    const { settings } = context;
    const published = context.results.publish;
    const written: WrittenRunReport = await writeRunReport(context.warehouse, {
      runId: context.runId,
      baseCurrency: settings.baseCurrency,
      warehousePath: settings.warehouse,
      databasePath: settings.warehouse,
      logger: context.logger,
      ...(published
        ? {
            publish: {
              store: context.store,
              publishPrefix: settings.publishPrefix,
              latest: true,
            },
          }
        : {}),
    });
    context.results.report = written;
    let prunedReports = 0;
    if (published && "keptRunIds" in published.housekeeping) {
      prunedReports = await pruneReports(
        context.store,
        settings.publishPrefix,
        new Set([...published.housekeeping.keptRunIds, context.runId]),
      );
    }
    return {
      rows: written.chartsDrawn,
      detail: {
        path: written.path,
        bytes: written.bytes,
        key: written.key ?? null,
        latestKey: written.latestKey ?? null,
        chartsDrawn: written.chartsDrawn,
        chartsSkipped: written.chartsSkipped,
        prunedReports,
        // Kept so the report can be re-rendered from the analyst database.
        staging: written.staging,
      },
    };
  },
};
