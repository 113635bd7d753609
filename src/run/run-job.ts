import { hostname } from "node:os";
import { DuckmartError, toError } from "../util/errors.ts";
import { databaseNow, execute, insertMeta, metaStatements } from "../warehouse/state-store.ts";
import type { JobDefinition, RunContext, StepOutcome } from "./job.ts";

/** The record of one finished run. */
export interface RunRecord {
  readonly runId: string;
  readonly job: string;
  readonly status: "succeeded" | "failed";
  readonly error?: Error;
  readonly steps: readonly {
    readonly name: string;
    readonly seconds: number;
    readonly status: string;
  }[];
  readonly seconds: number;
  /** The plan found nothing new: the run ended after it, having built and published nothing. */
  readonly nothingNew: boolean;
}

/**
 * Runs the steps of `job` in order, recording the run and each step in
 * `meta.runs` and `meta.run_steps`. The first failing step ends the run:
 * later steps (publish among them) do not run; so does a step whose
 * outcome says the run has nothing more to do (`endsRun`), and the run
 * succeeds. Never throws: a failing
 * step, or a failing write of the run record itself, fails the run and the
 * record carries the error.
 */
export async function runJob(job: JobDefinition, context: RunContext): Promise<RunRecord> {
  const { warehouse, runId } = context;
  const logger = context.logger.child({ runId, job: job.name });
  const started = performance.now();
  const steps: { name: string; seconds: number; status: string }[] = [];
  let failure: Error | undefined;
  // Every write of the run record is inside a try: a failing write (a full
  // disk, a dropped table) fails the run, it does not escape as a rejection.
  try {
    await insertMeta(warehouse, "meta.runs", [
      {
        run_id: runId,
        job: job.name,
        trigger: context.trigger,
        started_at: databaseNow,
        finished_at: null,
        status: "running",
        error: null,
        pid: process.pid,
        host: hostname(),
        accepted_changes: null,
        state_fingerprint: null,
        nothing_new: null,
      },
    ]);
  } catch (thrown) {
    failure = toError(thrown);
  }
  if (!failure) logger.info({ trigger: context.trigger }, "run started");
  let recorded = false;
  let nothingNew = false;
  for (const step of failure ? [] : job.steps) {
    const stepLogger = logger.child({ step: step.name });
    const stepStarted = performance.now();
    let outcome: StepOutcome | undefined;
    try {
      if (step.housekeeping && !recorded) {
        await recordEnd(context, "succeeded");
        recorded = true;
      }
      await insertMeta(warehouse, "meta.run_steps", [
        {
          run_id: runId,
          step: step.name,
          started_at: databaseNow,
          finished_at: null,
          status: "running",
          rows: null,
          detail: null,
          error: null,
        },
      ]);
      outcome = await step.run({ ...context, logger: stepLogger });
    } catch (thrown) {
      failure = toError(thrown);
    }
    const seconds = (performance.now() - stepStarted) / 1000;
    const status = failure ? "failed" : "succeeded";
    try {
      await execute(
        warehouse,
        metaStatements
          .updateTable("meta.run_steps")
          .set({
            finished_at: databaseNow,
            status,
            rows: outcome?.rows ?? null,
            detail: outcome?.detail ? JSON.stringify(outcome.detail) : null,
            error: failure?.message ?? null,
          })
          .where("run_id", "=", runId)
          .where("step", "=", step.name),
      );
    } catch (thrown) {
      failure ??= toError(thrown);
    }
    steps.push({ name: step.name, seconds, status: failure ? "failed" : status });
    if (failure) {
      stepLogger.error({ err: failure, seconds }, "step failed");
      break;
    }
    stepLogger.info(
      { seconds: round(seconds), rows: outcome?.rows, ...outcome?.detail },
      "step finished",
    );
    if (outcome?.endsRun) {
      nothingNew = outcome.endsRun === "nothing_new";
      logger.info({ step: step.name, reason: outcome.endsRun }, "nothing more to do in this run");
      break;
    }
  }
  try {
    await recordEnd(context, failure ? "failed" : "succeeded", failure);
  } catch (thrown) {
    failure ??= toError(thrown);
    logger.error({ err: toError(thrown) }, "the end of the run could not be recorded");
  }
  const status = failure ? "failed" : "succeeded";
  const seconds = (performance.now() - started) / 1000;
  logger.info({ status, seconds: round(seconds), nothingNew }, "run finished");
  return { runId, job: job.name, status, error: failure, steps, seconds, nothingNew };
}

function recordEnd(
  context: RunContext,
  status: "succeeded" | "failed",
  error?: Error,
): Promise<void> {
  return execute(
    context.warehouse,
    metaStatements
      .updateTable("meta.runs")
      .set({ finished_at: databaseNow, status, error: error?.message ?? null })
      .where("run_id", "=", context.runId),
  );
}

/** Throws the run's error when it failed, for callers that want an exception. */
export function assertSucceeded(record: RunRecord): void {
  if (record.status === "failed") {
    throw record.error ?? new DuckmartError(`run ${record.runId} failed`);
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
