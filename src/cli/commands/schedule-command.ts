import type { Command } from "commander";
import { jobNames, loadJob } from "../../../jobs/index.ts";
import { Scheduler } from "../../schedule/scheduler.ts";
import { listenForShutdown } from "../../schedule/shutdown-signal.ts";
import { commandContext } from "../cli-context.ts";

/** `duckmart schedule`: the long-running scheduler for the jobs in `jobs/`. */
export async function scheduleCommand(
  options: { job?: readonly string[]; retries: number },
  command: Command,
): Promise<void> {
  // First, so that a signal during start-up is not lost (as PID 1 it would be ignored).
  const shutdown = listenForShutdown({
    // Started through npm (npx, npm start): npm's `sh -c` swallows SIGTERM.
    watchParent: process.env.npm_command !== undefined,
  });
  const { settings, logger } = commandContext(command);
  const selected = await Promise.all(
    jobNames.filter((name) => options.job?.includes(name) ?? true).map(loadJob),
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
}
