import { assertNoFailedFiles, type IngestSummary, ingest } from "../../ingest/ingest.ts";
import { resolveSources } from "../../sources/resolve-sources.ts";
import type { JobStep } from "../job.ts";

/** Loads new and changed raw objects; fails the run if any file failed as a whole. */
export const ingestStep: JobStep = {
  name: "ingest",
  async run(context) {
    const { settings } = context;
    const summary: IngestSummary = await ingest({
      runId: context.runId,
      warehouse: context.warehouse,
      store: context.store,
      sources: resolveSources(settings),
      categoryRules: settings.categoryRules,
      workDir: settings.workDir,
      maxRejectRatio: settings.maxRejectRatio,
      downloadConcurrency: settings.downloadConcurrency,
      logger: context.logger,
    });
    context.results.ingest = summary;
    assertNoFailedFiles(summary);
    const loaded = summary.files.filter((file) => file.status === "loaded");
    return {
      rows: loaded.reduce((sum, file) => sum + file.rowsLoaded, 0),
      detail: {
        filesListed: summary.filesListed,
        filesLoaded: loaded.length,
        filesUnchanged: summary.filesUnchanged,
        filesSkipped: summary.filesSkipped,
        rowsRead: loaded.reduce((sum, file) => sum + file.rowsRead, 0),
        rowsRejected: loaded.reduce((sum, file) => sum + file.rowsRejected, 0),
        seconds: summary.seconds,
      },
    };
  },
};
