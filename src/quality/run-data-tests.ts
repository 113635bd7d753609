import { type Logger, silentLogger } from "../log/logger.ts";
import { sourceFingerprints } from "../transform/fingerprint.ts";
import type { CodeModelDefinition } from "../transform/model.ts";
import { loadProject, type Project, sourceSchema } from "../transform/project.ts";
import {
  commonTableExpressionNames,
  tableReferences,
  tokenizeSql,
} from "../transform/sql-tokens.ts";
import { fingerprint } from "../transform/stable-hash.ts";
import type { DataTestKind, Severity } from "../transform/test-declarations.ts";
import { QualityError, toError } from "../util/errors.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { type CompiledDataTest, compileDataTests } from "./compile-data-tests.ts";

/** Whether a data test held: `error` means its query could not run (e.g. the table is missing). */
export type DataTestStatus = "pass" | "fail" | "error";

/** The outcome of one data test in a run, as stored in meta.data_test_results. */
export interface DataTestResult {
  readonly runId: string;
  readonly model: string;
  /** `<model>.<kind>.<column>` unless the declaration names it. */
  readonly name: string;
  readonly kind: DataTestKind;
  readonly column?: string;
  readonly severity: Severity;
  readonly status: DataTestStatus;
  /** Rows breaking the rule; 1 for a failed reconcile or row count. */
  readonly failures: number;
  readonly message: string;
  readonly sql: string;
  readonly seconds: number;
}

/** Options of {@link runDataTests}. */
export interface DataTestOptions {
  readonly runId: string;
  /** Test only these models (default: every model of the project). */
  readonly models?: Iterable<string>;
  /** A `--select` expression, as for runTransforms; wins over `models`. */
  readonly select?: string | readonly string[];
  readonly sqlDir?: string;
  readonly codeModels?: readonly CodeModelDefinition[];
  /** An already loaded project (wins over sqlDir and codeModels). */
  readonly project?: Project;
  readonly logger?: Logger;
  /**
   * Reuse the latest result of a test whose query and inputs (the data
   * fingerprints of the models it reads, the loaded raw files) are unchanged
   * since it ran. Sound as long as only the runner writes model tables, as in
   * the daily job; off by default, so a test of tampered tables still runs.
   */
  readonly reuseUnchanged?: boolean;
}

/**
 * Runs the data tests declared in the models' metadata, stores every
 * result in meta.data_test_results under the run, and returns them. A test
 * whose query fails is reported with status `error` rather than thrown, so
 * one broken test does not hide the others; use {@link hasErrorFailures} or
 * {@link assertDataTestsPassed} to decide whether the run may publish.
 *
 * @example
 * const results = await runDataTests(warehouse, { runId });
 * assertDataTestsPassed(results); // throws QualityError naming the failed tests
 */
export async function runDataTests(
  warehouse: Warehouse,
  options: DataTestOptions,
): Promise<DataTestResult[]> {
  // The caller binds run id and step (runJob does): adding them here would repeat the keys.
  const logger = options.logger ?? silentLogger();
  const project =
    options.project ??
    (await loadProject({ sqlDir: options.sqlDir, codeModels: options.codeModels }));
  const models =
    options.select === undefined ? options.models : project.graph.select(options.select);
  const tests = compileDataTests(project, models);
  const fingerprintOf = await testFingerprints(warehouse, project, tests);
  const reuse = options.reuseUnchanged ?? false;
  const results: DataTestResult[] = [];
  let reused = 0;
  for (const test of tests) {
    const inputs = fingerprintOf.get(test) ?? null;
    const earlier =
      reuse && inputs ? await reusableResult(warehouse, options.runId, test, inputs) : undefined;
    if (earlier) reused += 1;
    const result = earlier?.result ?? (await runOne(warehouse, options.runId, test));
    results.push(result);
    await store(warehouse, result, inputs);
    await keepFailingRows(warehouse, result, test, earlier?.runId, logger);
    const fields = {
      test: result.name,
      model: result.model,
      severity: result.severity,
      failures: result.failures,
    };
    if (result.status === "pass") logger.debug(fields, "data test passed");
    else if (result.severity === "warn")
      logger.warn({ ...fields, message: result.message }, `data test ${result.status}`);
    else logger.error({ ...fields, message: result.message }, `data test ${result.status}`);
  }
  const failed = results.filter((result) => result.status !== "pass");
  logger.info(
    {
      tests: results.length,
      reused,
      failed: failed.filter((r) => r.severity === "error").length,
      warned: failed.filter((r) => r.severity === "warn").length,
    },
    "data tests finished",
  );
  return results;
}

/** Whether a test of severity `error` failed (or could not run). */
export function hasErrorFailures(results: readonly DataTestResult[]): boolean {
  return results.some((result) => result.severity === "error" && result.status !== "pass");
}

/** Throws a QualityError naming every failed test of severity `error`; warnings pass. */
export function assertDataTestsPassed(results: readonly DataTestResult[]): void {
  const failed = results.filter(
    (result) => result.severity === "error" && result.status !== "pass",
  );
  if (failed.length === 0) return;
  const lines = failed.map((result) => `${result.name}: ${result.message}`);
  throw new QualityError(`${failed.length} data test(s) failed: ${lines.join("; ")}`);
}

/** What a result says of its test, whatever its outcome. */
function resultBase(runId: string, test: CompiledDataTest) {
  return {
    runId,
    model: test.model,
    name: test.name,
    kind: test.kind,
    ...(test.column === undefined ? {} : { column: test.column }),
    severity: test.severity,
    sql: test.sql,
  };
}

async function runOne(
  warehouse: Warehouse,
  runId: string,
  test: CompiledDataTest,
): Promise<DataTestResult> {
  const started = performance.now();
  const base = resultBase(runId, test);
  try {
    const [row] = await warehouse.all(test.sql);
    const { failures, message } = judge(test, row ?? {});
    return {
      ...base,
      status: failures === 0 ? "pass" : "fail",
      failures,
      message,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (thrown) {
    return {
      ...base,
      status: "error",
      failures: 0,
      message: `test query failed: ${toError(thrown).message}`,
      seconds: (performance.now() - started) / 1000,
    };
  }
}

function judge(
  test: CompiledDataTest,
  row: Record<string, unknown>,
): { failures: number; message: string } {
  const declaration = test.declaration;
  const where = declaration.where === undefined ? "" : ` where ${declaration.where}`;
  switch (declaration.kind) {
    case "reconcile": {
      const left = toNumber(row.left_value);
      const right = toNumber(row.right_value);
      const ok =
        left !== null &&
        right !== null &&
        Math.abs(left - right) <=
          declaration.tolerance * Math.max(1, Math.abs(left), Math.abs(right));
      return {
        failures: ok ? 0 : 1,
        message: ok ? `both sides are ${left}` : `left side is ${left}, right side is ${right}`,
      };
    }
    case "row_count": {
      const n = toNumber(row.n) ?? 0;
      const ok =
        (declaration.min === undefined || n >= declaration.min) &&
        (declaration.max === undefined || n <= declaration.max);
      const bounds = `[${declaration.min ?? "-∞"}, ${declaration.max ?? "∞"}]`;
      return {
        failures: ok ? 0 : 1,
        message: `${test.relation} has ${n} rows; expected ${bounds}`,
      };
    }
    default: {
      const failures = toNumber(row.failures) ?? 0;
      const what = ruleText(test);
      return {
        failures,
        message:
          failures === 0
            ? `${what}: ok`
            : `${failures} row(s) of ${test.relation}${where} break: ${what}`,
      };
    }
  }
}

function ruleText(test: CompiledDataTest): string {
  const d = test.declaration;
  switch (d.kind) {
    case "not_null":
      return `${d.column} is not null`;
    case "unique":
      return `(${d.columns.join(", ")}) is unique (count is of duplicated values)`;
    case "accepted_values":
      return `${d.column} in (${d.values.join(", ")})`;
    case "relationships":
      return `${d.column} exists in ${d.to}.${d.field}`;
    case "range":
      return `${d.column} in [${d.min ?? "-∞"}, ${d.max ?? "∞"}]`;
    case "expression":
      return d.check;
    default:
      return d.kind;
  }
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const number = typeof value === "number" ? value : Number(value);
  return Number.isNaN(number) ? null : number;
}

/**
 * Each test's input fingerprint: its query plus the data fingerprints of the
 * models it reads and the fingerprints of the raw sources it reads, found
 * and computed as the transform does (the SQL tokenizer's table references;
 * `sourceFingerprints`). Null when a model it reads was never built.
 */
async function testFingerprints(
  warehouse: Warehouse,
  project: Project,
  tests: readonly CompiledDataTest[],
): Promise<Map<CompiledDataTest, string | null>> {
  const state = new Map(
    (
      await warehouse.all<{ model: string; data_fingerprint: string }>(
        "select model, data_fingerprint from meta.model_state",
      )
    ).map((row) => [row.model, row.data_fingerprint]),
  );
  const relations = new Map([...project.models.values()].map((m) => [m.relation, m.name]));
  const reads = new Map(tests.map((test) => [test, tablesRead(test.sql, relations)]));
  const sources = await sourceFingerprints(
    warehouse,
    [...reads.values()].flatMap((read) => read.sources),
  );
  const result = new Map<CompiledDataTest, string | null>();
  for (const [test, read] of reads) {
    const inputs: Record<string, string> = {};
    let built = true;
    for (const model of read.models) {
      const data = state.get(model);
      if (data === undefined) built = false;
      inputs[`model:${model}`] = data ?? "none";
    }
    for (const source of read.sources)
      inputs[`source:${source}`] = sources.get(source)?.fingerprint ?? "none";
    result.set(test, built ? fingerprint({ sql: test.sql, inputs }) : null);
  }
  return result;
}

/** The models and raw sources a test query reads, by the names the transform resolves. */
function tablesRead(
  sql: string,
  relations: ReadonlyMap<string, string>,
): { models: string[]; sources: string[] } {
  const tokens = tokenizeSql(sql);
  const ctes = commonTableExpressionNames(tokens);
  const models = new Set<string>();
  const sources = new Set<string>();
  for (const { parts } of tableReferences(tokens)) {
    if (parts.length === 1 && ctes.has(parts[0] as string)) continue;
    const [schema, table] = (parts.length === 1 ? ["main", parts[0]] : parts.slice(-2)) as [
      string,
      string,
    ];
    if (schema === sourceSchema) sources.add(table);
    else {
      const model = relations.get(`${schema}.${table}`);
      if (model !== undefined) models.add(model);
    }
  }
  return { models: [...models].sort(), sources: [...sources].sort() };
}

/** The latest earlier result of the same test over the same inputs, re-dated to this run, and its run. */
async function reusableResult(
  warehouse: Warehouse,
  runId: string,
  test: CompiledDataTest,
  fingerprint: string,
): Promise<{ result: DataTestResult; runId: string } | undefined> {
  const [row] = await warehouse.all<{
    run_id: string;
    status: DataTestStatus;
    failures: number;
    message: string | null;
  }>(
    `select run_id, status, failures, message from meta.data_test_results
     where test_name = $1 and input_fingerprint = $2 and run_id <> $3 and status <> 'error'
     order by tested_at desc limit 1`,
    [test.name, fingerprint, runId],
  );
  if (!row) return undefined;
  return {
    runId: row.run_id,
    result: {
      ...resultBase(runId, test),
      status: row.status,
      failures: row.failures,
      message: row.message ?? "",
      seconds: 0,
    },
  };
}

/** Most rows a failed test keeps (SPEC §4). */
export const keptFailingRows = 100;

/**
 * Keeps up to {@link keptFailingRows} rows breaking a failed row test in
 * meta.data_test_failures, as JSON objects: read again, or copied from the
 * run whose result was reused (same inputs, same rows).
 */
async function keepFailingRows(
  warehouse: Warehouse,
  result: DataTestResult,
  test: CompiledDataTest,
  reusedFrom: string | undefined,
  logger: Logger,
): Promise<void> {
  await warehouse.run("delete from meta.data_test_failures where run_id = $1 and test_name = $2", [
    result.runId,
    result.name,
  ]);
  if (result.status !== "fail" || test.rowsSql === undefined) return;
  if (reusedFrom !== undefined) {
    await warehouse.run(
      `insert into meta.data_test_failures
       select $1, test_name, row_number, row_json from meta.data_test_failures
       where run_id = $2 and test_name = $3`,
      [result.runId, reusedFrom, result.name],
    );
    const [copied] = await warehouse.all<{ n: number }>(
      "select count(*) as n from meta.data_test_failures where run_id = $1 and test_name = $2",
      [result.runId, result.name],
    );
    // A result from before failing rows were kept has none to copy: read them now.
    if ((copied?.n ?? 0) > 0) return;
  }
  try {
    await warehouse.run(
      `insert into meta.data_test_failures
       select $1, $2, row_number() over (), to_json(failing)::varchar
       from (select * from (${test.rowsSql}) limit ${keptFailingRows}) as failing`,
      [result.runId, result.name],
    );
  } catch (thrown) {
    // The count already failed the test; a sample that cannot be kept must not hide that.
    logger.warn(
      { test: result.name, err: toError(thrown).message },
      "could not keep the failing rows of a data test",
    );
  }
}

async function store(
  warehouse: Warehouse,
  result: DataTestResult,
  fingerprint: string | null,
): Promise<void> {
  await warehouse.run("delete from meta.data_test_results where run_id = $1 and test_name = $2", [
    result.runId,
    result.name,
  ]);
  await warehouse.run(
    "insert into meta.data_test_results values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    [
      result.runId,
      result.model,
      result.name,
      result.kind,
      result.column ?? null,
      result.severity,
      result.status,
      result.failures,
      result.message,
      result.sql,
      result.seconds,
      new Date(),
      fingerprint,
    ],
  );
}
