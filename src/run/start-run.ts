import type { Environment } from "./environment.ts";
import type { JobDefinition, RunOptions, RunTrigger, StepResults } from "./job.ts";
import { newRunId } from "./run-id.ts";
import { type RunRecord, runJob } from "./run-job.ts";

/** One run of `job` in an open environment, with a fresh run id. */
export function startRun(
  environment: Environment,
  job: JobDefinition,
  trigger: RunTrigger,
  options: RunOptions = {},
): Promise<RunRecord & { readonly results: Readonly<StepResults> }> {
  const results: StepResults = {};
  return runJob(job, {
    runId: newRunId(),
    job: job.name,
    trigger,
    settings: environment.settings,
    warehouse: environment.warehouse,
    store: environment.store,
    logger: environment.logger,
    options,
    results,
  }).then((record) => ({ ...record, results }));
}
