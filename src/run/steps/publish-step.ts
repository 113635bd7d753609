import { martKeysFromModels } from "../../publish/mart-keys.ts";
import { type PublishResult, publishRun } from "../../publish/publish-run.ts";
import type { JobStep } from "../job.ts";
import { runProject } from "./run-project.ts";

/**
 * Publishes every mart as Parquet under the run's id and writes the
 * manifest last; old runs beyond keepRuns go only after it.
 */
export const publishStep: JobStep = {
  name: "publish",
  async run(context) {
    const [asOf] = await context.warehouse.all<{ data_as_of: Date | null }>(
      "select data_as_of from intermediate.int_data_as_of",
    );
    const project = await runProject(context);
    const published: PublishResult = await publishRun({
      warehouse: context.warehouse,
      store: context.store,
      settings: context.settings,
      runId: context.runId,
      dataAsOf: asOf?.data_as_of ?? null,
      martKeys: martKeysFromModels(project.models.values()),
      logger: context.logger,
    });
    context.results.publish = published;
    const marts = Object.values(published.manifest.marts);
    return {
      rows: marts.reduce((sum, mart) => sum + mart.rows, 0),
      detail: {
        marts: marts.length,
        files: published.files,
        bytes: published.bytes,
        manifest: published.manifestKey,
      },
    };
  },
};
