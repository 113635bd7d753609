import type { Settings } from "../config/settings.ts";
import type { IngestSummary } from "../ingest/ingest.ts";
import type { Logger } from "../log/logger.ts";
import type { PublishResult } from "../publish/publish-run.ts";
import type { DataTestResult } from "../quality/run-data-tests.ts";
import type { WrittenRunReport } from "../report/write-run-report.ts";
import type { AnalystRefreshResult } from "../serve/analyst-database.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { TransformPlan } from "../transform/plan-transforms.ts";
import type { Project } from "../transform/project.ts";
import type { TransformResult } from "../transform/run-transforms.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";

/** How a run was started. */
export type RunTrigger = "manual" | "schedule" | "demo";

/** Options of one run that steps may honour. */
export interface RunOptions {
  readonly fullRefresh?: boolean;
  /** Model selection, e.g. `mart_ltv+` or `+mart_rfm,stg_orders`. */
  readonly select?: string;
  /** Publish even when a publish guard breaches (`--accept-changes`); recorded with the run. */
  readonly acceptChanges?: boolean;
}

/** What every step of a run can use. */
export interface RunContext {
  readonly runId: string;
  readonly job: string;
  readonly trigger: RunTrigger;
  readonly settings: Settings;
  readonly warehouse: Warehouse;
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly options: RunOptions;
  /** What earlier steps of this run handed on; each step fills its own field. */
  readonly results: StepResults;
}

/**
 * What the steps of a run hand on to later steps and to the run summary,
 * typed per step (a field stays unset when its step did not get that far).
 */
export interface StepResults {
  /** The SQL project and code models, loaded once per run (see `runProject`). */
  project?: Project;
  ingest?: IngestSummary;
  plan?: TransformPlan;
  transform?: TransformResult;
  test?: readonly DataTestResult[];
  publish?: PublishResult;
  report?: WrittenRunReport;
  serve?: AnalystRefreshResult;
}

/** What a step reports for the run record. */
export interface StepOutcome {
  /** The step's main row count (rows loaded, rows built, rows published…). */
  readonly rows?: number;
  /** Step-specific counts, stored as JSON. */
  readonly detail?: Record<string, unknown>;
  /**
   * Set when the run has nothing more to do (the plan found nothing new):
   * later steps, housekeeping included, do not run, and the run succeeds.
   */
  readonly endsRun?: "nothing_new";
}

/** One step of a job. */
export interface JobStep {
  readonly name: string;
  /**
   * Runs after the run is recorded as succeeded (e.g. refreshing the analyst
   * copy, which should show this run as complete); a failure still fails it.
   */
  readonly housekeeping?: boolean;
  run(context: RunContext): Promise<StepOutcome>;
}

/** A job: a name, when it fires, and its ordered steps. */
export interface JobDefinition {
  readonly name: string;
  /** Cron expression; settings may override the default. */
  readonly schedule: (settings: Settings) => string;
  readonly steps: readonly JobStep[];
}
