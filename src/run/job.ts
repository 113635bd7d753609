import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log/logger.ts";
import type { ObjectStore } from "../storage/object-store.ts";
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
  /** Results of earlier steps of this run, by step name. */
  readonly results: Map<string, unknown>;
}

/** What a step reports for the run record. */
export interface StepOutcome {
  /** The step's main row count (rows loaded, rows built, rows published…). */
  readonly rows?: number;
  /** Step-specific counts, stored as JSON. */
  readonly detail?: Record<string, unknown>;
  /** Kept in `RunContext.results` for later steps and the summary. */
  readonly result?: unknown;
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
