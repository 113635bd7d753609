import type { StagingCounts } from "../transform/staging-counts.ts";
import type { StoredGuardCheck } from "../warehouse/guard-checks.ts";

/** One run as `meta.runs` records it. */
export interface ReportRun {
  readonly runId: string;
  readonly job: string;
  readonly trigger: string;
  readonly status: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly error: string | null;
  readonly host: string | null;
  readonly pid: number | null;
}

/** One step of the run (`meta.run_steps`). */
export interface ReportStep {
  readonly step: string;
  readonly status: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  /** Null while the step is still running (the report step itself). */
  readonly seconds: number | null;
  readonly rows: number | null;
  readonly detail: Readonly<Record<string, unknown>> | null;
  readonly error: string | null;
}

/** Files and rows of one source: what this run loaded, and what the warehouse holds. */
export interface ReportSource {
  readonly source: string;
  readonly runFilesLoaded: number;
  readonly runFilesFailed: number;
  readonly runRowsRead: number;
  readonly runRowsLoaded: number;
  readonly runRowsRejected: number;
  readonly runBytes: number;
  readonly files: number;
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
}

/** A file of this run that failed as a whole. */
export interface ReportFailedFile {
  readonly key: string;
  readonly source: string;
  readonly reason: string | null;
}

/** Rejected rows of this run grouped by source, column and reason. */
export interface ReportRejects {
  readonly source: string;
  readonly column: string | null;
  readonly reason: string;
  readonly rows: number;
  readonly files: number;
  readonly exampleFile: string;
  readonly exampleRow: number | null;
  readonly exampleValue: string | null;
}

/** One data test result of this run. */
export interface ReportDataTest {
  readonly model: string;
  readonly name: string;
  readonly kind: string;
  readonly column: string | null;
  readonly severity: string;
  readonly status: string;
  readonly failures: number;
  readonly message: string | null;
  readonly seconds: number;
  /** Up to 100 rows breaking a failed row test (`meta.data_test_failures`). */
  readonly failingRows: readonly Readonly<Record<string, unknown>>[];
}

/** One publish guard this run checked (`meta.guard_checks`). */
export type ReportGuardCheck = StoredGuardCheck;

/** The publish guards of the run: what it was compared with and whether it accepted changes. */
export interface ReportGuards {
  readonly comparedRunId: string | null;
  readonly acceptedChanges: boolean;
  readonly checks: readonly ReportGuardCheck[];
}

/** A model of the DAG and what this run did with it (`meta.model_builds`). */
export interface ReportModel {
  readonly model: string;
  readonly relation: string;
  /** `staging`, `intermediate`, `marts`, or the schema name. */
  readonly layer: string;
  readonly version: string;
  /** built | up_to_date | failed | skipped */
  readonly status: string;
  readonly reason: string | null;
  readonly rows: number | null;
  readonly seconds: number;
  readonly parents: readonly string[];
  /** Raw sources it reads directly. */
  readonly sources: readonly string[];
  readonly error: string | null;
}

/** Where the quarantine counts came from. */
export type StagingOrigin = "staging tables" | "report step record" | "unavailable";

/** Headline numbers (mart_headlines, which the demo summary reads too). */
export interface ReportKpis {
  readonly buyers: number;
  readonly orders: number | null;
  readonly revenue: number | null;
  readonly returnRate: number | null;
  readonly dau: number | null;
  readonly wau: number | null;
  readonly mau: number | null;
  readonly stickyMau: number | null;
  readonly ltvMonth0: number | null;
  readonly ltvMonth5: number | null;
  readonly costs: number | null;
  readonly cac: number | null;
  /** The assumedCac setting where it priced months without cost rows (mart_cac cac_basis = assumed). */
  readonly assumedCpa: number | null;
  /** Months priced at the assumed CPA. */
  readonly assumedMonths: number;
  readonly grossProfit: number | null;
  readonly romi: number | null;
}

/** Predicted CLV headline numbers (mart_clv). */
export interface ReportClvSummary {
  readonly buyers: number;
  readonly predictedClv: number | null;
  readonly meanPredictedClv: number | null;
  readonly meanPAlive: number | null;
  readonly expectedPurchases: number | null;
  readonly horizonDays: number | null;
}

/** A row of chart data: aggregated values only, never one row per user. */
export type ChartRow = Readonly<Record<string, string | number | boolean | null>>;

/** Everything the run report shows, read in one go. */
export interface ReportData {
  readonly run: ReportRun;
  /** The newest run in the database; the marts reflect it (or an earlier one), not necessarily `run`. */
  readonly latestRunId: string;
  /** The newest run that built at least one model: the marts are as it left them. */
  readonly martsRunId: string | null;
  readonly dataAsOf: Date | null;
  readonly baseCurrency: string;
  /** `schema.table` of every table and view present. */
  readonly relations: ReadonlySet<string>;
  /**
   * `schema.table` → the data fingerprint of its last build (`meta.model_state`):
   * equal fingerprints mean equal contents, which is what lets charts be cached.
   */
  readonly dataFingerprints: ReadonlyMap<string, string>;
  /** Where the data was read from (the warehouse or the analyst database). */
  readonly databasePath: string | null;
  readonly kpis: ReportKpis | null;
  readonly clv: ReportClvSummary | null;
  readonly clvModel: ChartRow | null;
  readonly steps: readonly ReportStep[];
  readonly sources: readonly ReportSource[];
  readonly failedFiles: readonly ReportFailedFile[];
  readonly rejects: readonly ReportRejects[];
  readonly staging: readonly StagingCounts[];
  readonly stagingOrigin: StagingOrigin;
  readonly tests: readonly ReportDataTest[];
  /** Null when the run checked no guards (an ingest run, or a database before migration 6). */
  readonly guards: ReportGuards | null;
  readonly models: readonly ReportModel[];
}
