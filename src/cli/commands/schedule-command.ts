import type { Command } from "commander";
import { jobs } from "../../../jobs/index.ts";
import { Scheduler } from "../../schedule/scheduler.ts";
import { commandContext } from "../cli-context.ts";

/** `duckmart schedule`: the long-running scheduler for the jobs in `jobs/`. */
export function registerScheduleCommand(program: Command): void {
  program
    .command("schedule")
    .description("run jobs on their cron schedules until SIGTERM/SIGINT")
    .option("--job <names>", "only these jobs, comma-separated (default: all)")
    .option("--retries <n>", "attempts per run for transient failures", "3")
    .action(async (options: { job?: string; retries: string }, command: Command) => {
      const { settings, logger } = commandContext(command);
      const wanted = options.job?.split(",").map((name) => name.trim());
      const selected = [...jobs.values()].filter((job) => !wanted || wanted.includes(job.name));
      const scheduler = new Scheduler(settings, selected, logger, {
        attempts: Math.max(1, Number(options.retries) || 1),
        baseDelayMs: 1_000,
      });
      scheduler.start();
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      logger.info({ signal }, "stopping: no new ticks; waiting for the running job to end");
      // A second signal means "now": the lock is DuckDB's file lock, which the kernel releases.
      const force = () => process.exit(1);
      process.once("SIGTERM", force);
      process.once("SIGINT", force);
      await scheduler.stop();
      logger.info("scheduler stopped");
    });
}
