import { type Command, InvalidArgumentError } from "commander";
import { jobs } from "../../../jobs/index.ts";
import { Scheduler } from "../../schedule/scheduler.ts";
import { listenForShutdown } from "../../schedule/shutdown-signal.ts";
import { commandContext } from "../cli-context.ts";

/** `duckmart schedule`: the long-running scheduler for the jobs in `jobs/`. */
export function registerScheduleCommand(program: Command): void {
  program
    .command("schedule")
    .description("run jobs on their cron schedules until SIGTERM/SIGINT")
    .option(
      "--job <names>",
      `only these jobs, comma-separated (${[...jobs.keys()].join(", ")}; default: all)`,
      parseJobNames,
    )
    .option(
      "--retries <n>",
      "attempts per run for transient failures (a whole number ≥ 1)",
      parseAttempts,
      3,
    )
    .action(async (options: { job?: readonly string[]; retries: number }, command: Command) => {
      // First, so that a signal during start-up is not lost (as PID 1 it would be ignored).
      const shutdown = listenForShutdown({
        // Started through npm (npx, npm start): npm's `sh -c` swallows SIGTERM.
        watchParent: process.env.npm_command !== undefined,
      });
      const { settings, logger } = commandContext(command);
      const selected = [...jobs.values()].filter(
        (job) => !options.job || options.job.includes(job.name),
      );
      const scheduler = new Scheduler(settings, selected, logger, {
        attempts: options.retries,
        baseDelayMs: 1_000,
      });
      scheduler.start();
      const reason = await shutdown.requested;
      logger.info({ signal: reason }, "stopping: no new ticks; waiting for the running job to end");
      // A second signal means "now": the lock is DuckDB's file lock, which the kernel releases.
      shutdown.onSecondSignal(() => process.exit(1));
      await scheduler.stop();
      shutdown.dispose();
      logger.info("scheduler stopped");
    });
}

function parseJobNames(value: string): readonly string[] {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names.filter((name) => !jobs.has(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown job ${unknown.join(", ") || "(none given)"} (known: ${[...jobs.keys()].join(", ")})`,
    );
  }
  return names;
}

function parseAttempts(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new InvalidArgumentError(`"${value}" is not a whole number of attempts ≥ 1`);
  }
  return Number(value);
}
