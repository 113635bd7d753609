import cron, { type ScheduledTask } from "node-cron";
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log/logger.ts";
import { openEnvironment } from "../run/environment.ts";
import type { JobDefinition } from "../run/job.ts";
import type { RunRecord } from "../run/run-job.ts";
import { startRun } from "../run/start-run.ts";
import { DuckmartError, isTransient } from "../util/errors.ts";
import { withRetries } from "../util/retry.ts";

/** How the scheduler retries a run that failed for a passing reason. */
export interface SchedulerRetry {
  readonly attempts: number;
  readonly baseDelayMs: number;
}

/**
 * Fires each job on its cron schedule. A tick that arrives while the same
 * job still runs is skipped and logged, never queued. A run that fails for a
 * transient reason (S3 throttling or 5xx, timeouts, a busy lock) is retried
 * with exponential backoff and jitter; bad input or failed data tests are not.
 */
export class Scheduler {
  readonly #settings: Settings;
  readonly #jobs: readonly JobDefinition[];
  readonly #logger: Logger;
  readonly #retry: SchedulerRetry;
  readonly #tasks: ScheduledTask[] = [];
  readonly #running = new Map<string, Promise<void>>();
  #stopping = false;

  constructor(
    settings: Settings,
    jobs: readonly JobDefinition[],
    logger: Logger,
    retry: SchedulerRetry,
  ) {
    this.#settings = settings;
    this.#jobs = jobs;
    this.#logger = logger;
    this.#retry = retry;
  }

  /** Registers every job's schedule and starts taking ticks. */
  start(): void {
    for (const job of this.#jobs) {
      const expression = job.schedule(this.#settings);
      if (!cron.validate(expression)) {
        throw new DuckmartError(
          `job ${job.name}: schedule "${expression}" is not a valid cron expression`,
        );
      }
      const task = cron.schedule(expression, () => this.#tick(job), {
        name: job.name,
        timezone: this.#settings.timezone,
      });
      this.#tasks.push(task);
      this.#logger.info(
        {
          job: job.name,
          schedule: expression,
          timezone: this.#settings.timezone,
          next: task.getNextRun(),
        },
        "job scheduled",
      );
    }
  }

  /** Stops taking ticks and waits for the runs in progress to end. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#tasks.map((task) => task.stop()));
    const running = [...this.#running.keys()];
    if (running.length > 0)
      this.#logger.info({ jobs: running }, "waiting for running jobs to finish");
    await Promise.all(this.#running.values());
  }

  #tick(job: JobDefinition): void {
    if (this.#stopping) return;
    if (this.#running.has(job.name)) {
      this.#logger.warn(
        { job: job.name },
        "tick skipped: the previous run of this job is still running",
      );
      return;
    }
    const run = this.#runWithRetries(job).finally(() => this.#running.delete(job.name));
    this.#running.set(job.name, run);
  }

  async #runWithRetries(job: JobDefinition): Promise<void> {
    try {
      await withRetries(
        async (attempt) => {
          const record = await this.#runOnce(job);
          if (record.status === "failed" && record.error) throw record.error;
          this.#logger.info(
            { job: job.name, runId: record.runId, attempt },
            "scheduled run succeeded",
          );
        },
        {
          attempts: this.#retry.attempts,
          baseDelayMs: this.#retry.baseDelayMs,
          retryable: (error) => !this.#stopping && isTransient(error),
          onRetry: (error, attempt, delayMs) =>
            this.#logger.warn(
              { job: job.name, err: error, attempt, of: this.#retry.attempts, delayMs },
              "run failed for a transient reason; retrying",
            ),
        },
      );
    } catch (error) {
      this.#logger.error({ job: job.name, err: error }, "scheduled run failed");
    }
  }

  async #runOnce(job: JobDefinition): Promise<RunRecord> {
    const environment = await openEnvironment(this.#settings, this.#logger, job.name);
    try {
      return await startRun(environment, job, "schedule");
    } finally {
      environment.close();
    }
  }
}
