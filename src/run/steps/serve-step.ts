import { analystDatabasePath, refreshAnalystDatabase } from "../../serve/analyst-database.ts";
import type { JobStep } from "../job.ts";

/**
 * Swaps in a fresh analyst database. Housekeeping: it runs once the run is
 * recorded as succeeded, so the copy shows this run as completed.
 */
export const serveStep: JobStep = {
  name: "serve",
  housekeeping: true,
  async run(context) {
    const [asOf] = await context.warehouse.all<{ data_as_of: Date | null }>(
      "select data_as_of from intermediate.int_data_as_of",
    );
    const refreshed = await refreshAnalystDatabase(
      context.warehouse,
      analystDatabasePath(context.settings),
      {
        runId: context.runId,
        dataAsOf: asOf?.data_as_of ?? null,
        // Only the runner writes model tables here, so an unrebuilt model's copied table is current.
        reuseUnchanged: !context.options.fullRefresh,
        logger: context.logger,
      },
    );
    context.results.serve = refreshed;
    return {
      rows: refreshed.tables.length,
      detail: { path: refreshed.path, bytes: refreshed.bytes },
    };
  },
};
