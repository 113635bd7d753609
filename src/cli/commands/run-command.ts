import type { Command } from "commander";
import { loadJob } from "../../../jobs/index.ts";
import { openEnvironment } from "../../run/environment.ts";
import { assertSucceeded } from "../../run/run-job.ts";
import { startRun } from "../../run/start-run.ts";
import { commandContext } from "../cli-context.ts";
import { printRunSummary } from "../run-summary.ts";

/** `duckmart run [--job NAME] [--full-refresh] [--select MODELS] [--accept-changes]`. */
export async function runCommand(
  options: { job: string; fullRefresh?: boolean; select?: string; acceptChanges?: boolean },
  command: Command,
): Promise<void> {
  const job = await loadJob(options.job);
  const { settings, logger } = commandContext(command);
  const environment = await openEnvironment(settings, logger, job.name);
  try {
    const record = await startRun(environment, job, "manual", {
      fullRefresh: options.fullRefresh,
      select: options.select,
      acceptChanges: options.acceptChanges,
    });
    await printRunSummary(environment, record);
    assertSucceeded(record);
  } finally {
    environment.close();
  }
}
