import type { Command } from "commander";
import { jobs } from "../../../jobs/index.ts";
import { openEnvironment } from "../../run/environment.ts";
import { assertSucceeded } from "../../run/run-job.ts";
import { startRun } from "../../run/start-run.ts";
import { ConfigError } from "../../util/errors.ts";
import { commandContext } from "../cli-context.ts";
import { printRunSummary } from "../run-summary.ts";

/** `duckmart run [--job NAME] [--full-refresh] [--select MODELS] [--accept-changes]`. */
export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run one job now (default daily: ingest → transform → test → guard → publish)")
    .option("--job <name>", `job to run (${[...jobs.keys()].join(", ")})`, "daily")
    .option("--full-refresh", "rebuild every model")
    .option(
      "--select <models>",
      "models to build: name, name+ (and descendants), +name (and ancestors)",
    )
    .option(
      "--accept-changes",
      "publish even when a publish guard breaches (a known, corrected re-export); recorded with the run",
    )
    .action(
      async (
        options: { job: string; fullRefresh?: boolean; select?: string; acceptChanges?: boolean },
        command: Command,
      ) => {
        const job = jobs.get(options.job);
        if (!job)
          throw new ConfigError(
            `unknown job ${options.job} (known: ${[...jobs.keys()].join(", ")})`,
          );
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
      },
    );
}
