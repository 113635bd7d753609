import { readFile } from "node:fs/promises";
import { readStagingCounts, type StagingCounts } from "../transform/staging-counts.ts";
import { DuckmartError } from "../util/errors.ts";
import { packagePath } from "../util/package-path.ts";
import { readGuardChecks } from "../warehouse/guard-checks.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";
import { plainRow } from "./plain-row.ts";
import type {
  ReportClvSummary,
  ReportData,
  ReportDataTest,
  ReportFailedFile,
  ReportGuards,
  ReportKpis,
  ReportModel,
  ReportRejects,
  ReportRun,
  ReportSource,
  ReportStep,
  StagingOrigin,
} from "./report-data.ts";

/** What {@link readReportData} needs besides the session. */
export interface ReadReportOptions {
  /** The run to report on; default the newest run in `meta.runs`. */
  readonly runId?: string;
  /** Currency revenue is expressed in (settings.baseCurrency). */
  readonly baseCurrency: string;
  /** Shown in the report as where the numbers came from. */
  readonly databasePath?: string;
  /**
   * Quarantine counts to use instead of reading `staging.*` (the report
   * step passes what it just read, so its record carries them).
   */
  readonly staging?: readonly StagingCounts[];
}

/** Reads one SQL file of `queries/`. */
export async function reportQuery(name: string): Promise<string> {
  return readFile(packagePath("src/report/queries", `${name}.sql`), "utf8");
}

/**
 * Reads the run record, run metadata and headline numbers the report shows.
 * Works on the warehouse and on the analyst database (marts and `meta` only):
 * what needs staging or intermediate tables falls back to what the run
 * recorded. Throws a DuckmartError naming the run when it is not recorded.
 *
 * @example
 * const data = await readReportData(warehouse, { baseCurrency: "RUB" });
 * console.log(data.run.runId, data.kpis?.buyers);
 */
export async function readReportData(
  session: SqlSession,
  options: ReadReportOptions,
): Promise<ReportData> {
  const relations = await listRelations(session);
  if (!relations.has("meta.runs")) {
    throw new DuckmartError("this database has no meta.runs: it holds no duckmart run yet");
  }
  const [latest] = await session.all<{ run_id: string }>(
    "select run_id from meta.runs order by started_at desc, run_id desc limit 1",
  );
  if (!latest) throw new DuckmartError("no run is recorded yet: run `duckmart run` first");
  const runId = options.runId ?? latest.run_id;
  const run = await readRun(session, runId);
  const [martsRun] = relations.has("meta.model_builds")
    ? await session.all<{ run_id: string }>(
        `select run_id from meta.model_builds where status = 'built'
         order by finished_at desc, run_id desc limit 1`,
      )
    : [];

  const steps = await readSteps(session, runId);
  const { staging, origin } = await readStaging(session, relations, steps, options.staging);
  const has = (...names: string[]) => names.every((name) => relations.has(name));
  const kpis = has("main.mart_headlines") ? await readKpis(session) : null;
  const clv = has("main.mart_clv") ? await readClv(session) : null;
  const [clvModel] = has("main.mart_clv_model")
    ? await session.all("select * from main.mart_clv_model limit 1")
    : [];

  return {
    run,
    latestRunId: latest.run_id,
    martsRunId: martsRun?.run_id ?? null,
    dataAsOf: await readDataAsOf(session, relations),
    baseCurrency: options.baseCurrency,
    relations,
    dataFingerprints: relations.has("meta.model_state")
      ? new Map(
          (
            await session.all<{ relation: string; data_fingerprint: string }>(
              "select relation, data_fingerprint from meta.model_state",
            )
          ).map((row) => [row.relation, row.data_fingerprint]),
        )
      : new Map(),
    databasePath: options.databasePath ?? null,
    kpis,
    clv,
    clvModel: clvModel ? plainRow(clvModel) : null,
    steps,
    sources: await readSources(session, runId),
    failedFiles: await session
      .all<{ key: string; source: string; reason: string | null }>(
        "select key, source, reason from meta.file_loads where run_id = $1 and status = 'failed' order by key",
        [runId],
      )
      .then((rows) => rows.map((row): ReportFailedFile => ({ ...row }))),
    rejects: await readRejects(session, runId),
    staging,
    stagingOrigin: origin,
    tests: relations.has("meta.data_test_results")
      ? await readTests(session, runId, relations.has("meta.data_test_failures"))
      : [],
    guards: relations.has("meta.guard_checks") ? await readGuards(session, runId) : null,
    models: relations.has("meta.model_builds") ? await readModels(session, runId) : [],
  };
}

/** Every table and view of the current database as `schema.name`. */
export async function listRelations(session: SqlSession): Promise<Set<string>> {
  const rows = await session.all<{ relation: string }>(
    `select table_schema || '.' || table_name as relation from information_schema.tables
     where table_catalog = current_database()`,
  );
  return new Set(rows.map((row) => row.relation));
}

async function readRun(session: SqlSession, runId: string): Promise<ReportRun> {
  const [row] = await session.all<{
    run_id: string;
    job: string;
    trigger: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    error: string | null;
    host: string | null;
    pid: number | null;
  }>(
    "select run_id, job, trigger, status, started_at, finished_at, error, host, pid from meta.runs where run_id = $1",
    [runId],
  );
  if (!row) {
    const recent = await session.all<{ run_id: string }>(
      "select run_id from meta.runs order by started_at desc limit 5",
    );
    throw new DuckmartError(
      `run ${runId} is not recorded in this database (recent runs: ${recent.map((r) => r.run_id).join(", ") || "none"})`,
    );
  }
  return {
    runId: row.run_id,
    job: row.job,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    host: row.host,
    pid: row.pid,
  };
}

async function readSteps(session: SqlSession, runId: string): Promise<ReportStep[]> {
  const rows = await session.all<{
    step: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    ms: number | null;
    rows: number | null;
    detail: string | null;
    error: string | null;
  }>(
    `select step, status, started_at, finished_at,
            epoch_ms(finished_at) - epoch_ms(started_at) as ms, rows, detail, error
     from meta.run_steps where run_id = $1 order by started_at, step`,
    [runId],
  );
  return rows.map((row) => ({
    step: row.step,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    seconds: row.ms === null ? null : row.ms / 1000,
    rows: row.rows,
    detail: parseDetail(row.detail),
    error: row.error,
  }));
}

function parseDetail(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Quarantine counts: given by the caller, else read from the staging tables,
 * else (the analyst database has no staging schema) what the run's report
 * step recorded.
 */
async function readStaging(
  session: SqlSession,
  relations: ReadonlySet<string>,
  steps: readonly ReportStep[],
  given: readonly StagingCounts[] | undefined,
): Promise<{ staging: readonly StagingCounts[]; origin: StagingOrigin }> {
  if (given) return { staging: given, origin: "staging tables" };
  if ([...relations].some((name) => /^staging\.stg_.+_classified$/.test(name))) {
    return { staging: await readStagingCounts(session), origin: "staging tables" };
  }
  const recorded = steps.find((step) => step.step === "report")?.detail?.staging;
  if (Array.isArray(recorded)) {
    return { staging: recorded as StagingCounts[], origin: "report step record" };
  }
  return { staging: [], origin: "unavailable" };
}

async function readDataAsOf(
  session: SqlSession,
  relations: ReadonlySet<string>,
): Promise<Date | null> {
  if (relations.has("intermediate.int_data_as_of")) {
    const [row] = await session.all<{ data_as_of: Date | null }>(
      "select data_as_of from intermediate.int_data_as_of",
    );
    return row?.data_as_of ?? null;
  }
  // The analyst database records it beside the marts.
  if (relations.has("meta.snapshot")) {
    const [row] = await session.all<{ data_as_of: Date | null }>(
      "select data_as_of from meta.snapshot",
    );
    return row?.data_as_of ?? null;
  }
  return null;
}

async function readKpis(session: SqlSession): Promise<ReportKpis> {
  const [row] = await session.all<Record<string, number | null>>(
    "select * from main.mart_headlines",
  );
  if (!row) throw new DuckmartError("the KPI query returned no row");
  return {
    buyers: row.buyers ?? 0,
    orders: row.orders ?? null,
    revenue: row.revenue ?? null,
    returnRate: row.return_rate ?? null,
    dau: row.dau ?? null,
    wau: row.wau ?? null,
    mau: row.mau ?? null,
    stickyMau: row.sticky_mau ?? null,
    ltvMonth0: row.ltv_month_0 ?? null,
    ltvMonth5: row.ltv_month_5 ?? null,
    costs: row.costs ?? null,
    cac: row.cac ?? null,
    assumedCpa: row.assumed_cpa ?? null,
    assumedMonths: row.assumed_months ?? 0,
    grossProfit: row.gross_profit ?? null,
    romi: row.romi ?? null,
  };
}

async function readClv(session: SqlSession): Promise<ReportClvSummary | null> {
  const [row] = await session.all<Record<string, number | null>>(await reportQuery("clv-summary"));
  if (!row?.buyers) return null;
  return {
    buyers: row.buyers,
    predictedClv: row.predicted_clv ?? null,
    meanPredictedClv: row.mean_predicted_clv ?? null,
    meanPAlive: row.mean_p_alive ?? null,
    expectedPurchases: row.expected_purchases ?? null,
    horizonDays: row.horizon_days ?? null,
  };
}

async function readSources(session: SqlSession, runId: string): Promise<ReportSource[]> {
  const rows = await session.all<Record<string, number> & { source: string }>(
    await reportQuery("run-sources"),
    [runId],
  );
  return rows.map((row) => ({
    source: row.source,
    runFilesLoaded: row.run_files_loaded ?? 0,
    runFilesFailed: row.run_files_failed ?? 0,
    runRowsRead: row.run_rows_read ?? 0,
    runRowsLoaded: row.run_rows_loaded ?? 0,
    runRowsRejected: row.run_rows_rejected ?? 0,
    runBytes: row.run_bytes ?? 0,
    files: row.files ?? 0,
    rowsRead: row.rows_read ?? 0,
    rowsLoaded: row.rows_loaded ?? 0,
    rowsRejected: row.rows_rejected ?? 0,
  }));
}

async function readRejects(session: SqlSession, runId: string): Promise<ReportRejects[]> {
  const rows = await session.all<{
    source: string;
    column_name: string | null;
    reason: string;
    rows: number;
    files: number;
    example_file: string;
    example_row: number | null;
    example_value: string | null;
  }>(await reportQuery("run-rejects"), [runId]);
  return rows.map((row) => ({
    source: row.source,
    column: row.column_name,
    reason: row.reason,
    rows: row.rows,
    files: row.files,
    exampleFile: row.example_file,
    exampleRow: row.example_row,
    exampleValue: row.example_value,
  }));
}

async function readTests(
  session: SqlSession,
  runId: string,
  withFailingRows: boolean,
): Promise<ReportDataTest[]> {
  const failing = new Map<string, Record<string, unknown>[]>();
  if (withFailingRows) {
    const kept = await session.all<{ test_name: string; row_json: string }>(
      "select test_name, row_json from meta.data_test_failures where run_id = $1 order by test_name, row_number",
      [runId],
    );
    for (const row of kept)
      failing.set(row.test_name, [
        ...(failing.get(row.test_name) ?? []),
        JSON.parse(row.row_json) as Record<string, unknown>,
      ]);
  }
  const rows = await session.all<{
    model: string;
    test_name: string;
    kind: string;
    column_name: string | null;
    severity: string;
    status: string;
    failures: number;
    message: string | null;
    seconds: number;
  }>(
    `select model, test_name, kind, column_name, severity, status, failures, message, seconds
     from meta.data_test_results where run_id = $1
     order by status = 'pass', severity, model, test_name`,
    [runId],
  );
  return rows.map((row) => ({
    model: row.model,
    name: row.test_name,
    kind: row.kind,
    column: row.column_name,
    severity: row.severity,
    status: row.status,
    failures: row.failures,
    message: row.message,
    seconds: row.seconds,
    failingRows: failing.get(row.test_name) ?? [],
  }));
}

async function readGuards(session: SqlSession, runId: string): Promise<ReportGuards | null> {
  const checks = await readGuardChecks(session, runId);
  if (checks.length === 0) return null;
  const [run] = await session.all<{ accepted_changes: boolean | null }>(
    "select accepted_changes from meta.runs where run_id = $1",
    [runId],
  );
  return {
    comparedRunId: checks[0]?.comparedRunId ?? null,
    acceptedChanges: run?.accepted_changes === true,
    checks,
  };
}

const layerBySchema: Readonly<Record<string, string>> = {
  staging: "staging",
  intermediate: "intermediate",
  main: "marts",
};

async function readModels(session: SqlSession, runId: string): Promise<ReportModel[]> {
  const rows = await session.all<{
    model: string;
    relation: string;
    version: string;
    status: string;
    reason: string | null;
    rows: number | null;
    seconds: number;
    inputs: string;
    error: string | null;
  }>(
    `select model, relation, version, status, reason, rows, seconds, inputs, error
     from meta.model_builds where run_id = $1 order by started_at, model`,
    [runId],
  );
  return rows.map((row) => {
    // inputs names every parent model and raw source the build depended on.
    const inputs = Object.keys(parseDetail(row.inputs) ?? {});
    const schema = row.relation.split(".")[0] ?? "main";
    return {
      model: row.model,
      relation: row.relation,
      layer: layerBySchema[schema] ?? schema,
      version: row.version,
      status: row.status,
      reason: row.reason,
      rows: row.rows,
      seconds: row.seconds,
      parents: inputs.filter((k) => k.startsWith("model:")).map((k) => k.slice(6)),
      sources: inputs.filter((k) => k.startsWith("source:")).map((k) => k.slice(7)),
      error: row.error,
    };
  });
}
