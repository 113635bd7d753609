import { type Logger, silentLogger } from "../log/logger.ts";
import { sourceFingerprints } from "../transform/fingerprint.ts";
import type { CodeModelDefinition } from "../transform/model.ts";
import { loadProject, type Project, sourceSchema } from "../transform/project.ts";
import type { MergedChanges } from "../transform/run-transforms.ts";
import {
  commonTableExpressionNames,
  tableReferences,
  tokenizeSql,
} from "../transform/sql-tokens.ts";
import { fingerprint } from "../transform/stable-hash.ts";
import type { DataTestKind, Severity } from "../transform/test-declarations.ts";
import { QualityError, toError } from "../util/errors.ts";
import { rowMatch } from "../warehouse/row-membership.ts";
import type { Row, Warehouse } from "../warehouse/warehouse.ts";
import { type CompiledDataTest, compileDataTests } from "./compile-data-tests.ts";
import { batchDataTests, type DataTestBatch } from "./data-test-batch.ts";

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
  /**
   * Time spent deciding it: the tests of a model checked by one query share
   * its time evenly; 0 for a result reused from an earlier run.
   */
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
  /**
   * Models merged in this run, with their changed rows (`keepChanges` of
   * runTransforms). A row test of such a model (`not_null`,
   * `accepted_values`, `range`, `expression`, `unique`) whose rule looks at
   * one row alone (no table, no clock, no setting, no randomness) and that
   * passed on the table before the merge is checked on the changed rows
   * only (for `unique`, on the keys they hold): rows the merge left alone
   * passed already and still do. A check that finds a breaking row runs the
   * whole test. Sound as long as only the runner writes model tables, as
   * for `reuseUnchanged`; as in SQLMesh, whose audits of an incremental
   * model check the interval just loaded.
   */
  readonly mergedChanges?: readonly MergedChanges[];
}

/**
 * Runs the data tests declared in the models' metadata, stores every
 * result in meta.data_test_results under the run, and returns them. A test
 * whose query fails is reported with status `error` rather than thrown, so
 * one broken test does not hide the others; use {@link hasErrorFailures} or
 * {@link assertDataTestsPassed} to decide whether the run may publish. The
 * tests of a model are checked by one query ({@link batchDataTests}), and
 * the results and failing rows are written in one transaction: the cost is
 * per model, not per test.
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
  const earlier =
    (options.reuseUnchanged ?? false)
      ? await reusableResults(warehouse, options.runId, tests, fingerprintOf)
      : new Map<CompiledDataTest, ReusedResult>();
  const outcomes = new Map<CompiledDataTest, Outcome>();
  for (const [test, reused] of earlier)
    outcomes.set(test, {
      test,
      result: reused.result,
      testedAt: new Date(),
      reusedFrom: reused.runId,
    });
  const scoped =
    options.mergedChanges === undefined || options.mergedChanges.length === 0
      ? []
      : await passedOnChangedRows(
          warehouse,
          options.runId,
          tests.filter((test) => !earlier.has(test)),
          options.mergedChanges,
        );
  for (const outcome of scoped) outcomes.set(outcome.test, outcome);
  for (const batch of batchDataTests(tests.filter((test) => !outcomes.has(test)))) {
    for (const outcome of await runBatch(warehouse, options.runId, batch, logger))
      outcomes.set(outcome.test, outcome);
  }
  const ordered = tests.map((test) => outcomes.get(test) as Outcome);
  const failing = await failingRows(warehouse, ordered, logger);
  await storeResults(warehouse, options.runId, ordered, fingerprintOf, failing);

  const results = ordered.map((outcome) => outcome.result);
  for (const result of results) {
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
      reused: earlier.size,
      onChangedRows: scoped.length,
      // Models whose tests ran whole: one query each, unless one of their tests is broken.
      batches: new Set(
        ordered
          .filter((o) => o.reusedFrom === undefined && !scoped.includes(o))
          .map((o) => o.test.model),
      ).size,
      failed: failed.filter((r) => r.severity === "error").length,
      warned: failed.filter((r) => r.severity === "warn").length,
    },
    "data tests finished",
  );
  return results;
}

/** A test's result in this run, when it was decided and, if reused, the run it came from. */
interface Outcome {
  readonly test: CompiledDataTest;
  readonly result: DataTestResult;
  readonly testedAt: Date;
  readonly reusedFrom?: string;
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

/**
 * Runs a batch's one query and judges each of its tests from it, the
 * batch's time shared evenly among them; a test the batch cannot decide
 * runs its own query too. When the batch query fails, each test runs on
 * its own, so that only the broken one is reported as an error.
 */
async function runBatch(
  warehouse: Warehouse,
  runId: string,
  batch: DataTestBatch,
  logger: Logger,
): Promise<Outcome[]> {
  const started = performance.now();
  let row: Row | undefined;
  try {
    [row] = await warehouse.all(batch.sql);
  } catch (thrown) {
    logger.debug(
      { model: batch.model, tests: batch.tests.length, err: toError(thrown).message },
      "the model's data tests could not run as one query: running them one by one",
    );
  }
  const outcomes: Outcome[] = [];
  if (row === undefined) {
    for (const test of batch.tests) outcomes.push(await runOne(warehouse, runId, test));
    return outcomes;
  }
  const testedAt = new Date();
  const share = (performance.now() - started) / 1000 / batch.tests.length;
  for (const [index, test] of batch.tests.entries()) {
    const own = batch.rowOf(row, index);
    if (own === undefined) {
      const outcome = await runOne(warehouse, runId, test);
      outcomes.push({
        ...outcome,
        result: { ...outcome.result, seconds: outcome.result.seconds + share },
      });
      continue;
    }
    const { failures, message } = judge(test, own);
    outcomes.push({
      test,
      testedAt,
      result: {
        ...resultBase(runId, test),
        status: failures === 0 ? "pass" : "fail",
        failures,
        message,
        seconds: share,
      },
    });
  }
  return outcomes;
}

async function runOne(
  warehouse: Warehouse,
  runId: string,
  test: CompiledDataTest,
): Promise<Outcome> {
  const started = performance.now();
  const base = resultBase(runId, test);
  let result: DataTestResult;
  try {
    const [row] = await warehouse.all(test.sql);
    const { failures, message } = judge(test, row ?? {});
    result = {
      ...base,
      status: failures === 0 ? "pass" : "fail",
      failures,
      message,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (thrown) {
    result = {
      ...base,
      status: "error",
      failures: 0,
      message: `test query failed: ${toError(thrown).message}`,
      seconds: (performance.now() - started) / 1000,
    };
  }
  return { test, result, testedAt: new Date() };
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

/** Test kinds whose failing rows are rows of the model (or keys of them), so a merge can only add failures among the rows it changed. */
const kindsCheckedOnChanges = new Set<DataTestKind>([
  "not_null",
  "accepted_values",
  "range",
  "expression",
  "unique",
]);

/**
 * The tests of merged models that pass on the rows their merge changed,
 * given that they passed on the table before it (their latest result over
 * that table's fingerprint). Tests this cannot decide are left out, for the
 * caller to run whole.
 */
async function passedOnChangedRows(
  warehouse: Warehouse,
  runId: string,
  tests: readonly CompiledDataTest[],
  mergedChanges: readonly MergedChanges[],
): Promise<Outcome[]> {
  const changesOf = new Map(mergedChanges.map((changes) => [changes.model, changes]));
  const before = new Map<CompiledDataTest, string | null>();
  for (const test of tests) {
    const changes = changesOf.get(test.model);
    if (changes === undefined || !kindsCheckedOnChanges.has(test.kind)) continue;
    if (!looksAtOneRow(test)) continue;
    before.set(
      test,
      testFingerprint(test.sql, { [`model:${test.model}`]: changes.previousDataFingerprint }),
    );
  }
  const previous = await reusableResults(warehouse, runId, [...before.keys()], before);
  const changedRows = new Map<string, number>();
  const outcomes: Outcome[] = [];
  for (const [test, earlier] of previous) {
    if (earlier.result.status !== "pass") continue;
    const changes = changesOf.get(test.model) as MergedChanges;
    const started = performance.now();
    try {
      if (!changedRows.has(test.model)) {
        const [count] = await warehouse.all<{ n: number }>(
          `select count(*) as n from ${changes.table}`,
        );
        changedRows.set(test.model, Number(count?.n ?? 0));
      }
      const [row] = await warehouse.all<{ failures: number }>(
        await changedRowsQuery(warehouse, test, changes.table),
      );
      if (Number(row?.failures ?? 1) !== 0) continue;
    } catch {
      // A condition that cannot run on the changes table (it qualifies a column by the model's table): test whole.
      continue;
    }
    outcomes.push({
      test,
      testedAt: new Date(),
      result: {
        ...resultBase(runId, test),
        status: "pass",
        failures: 0,
        message: `${judge(test, { failures: 0 }).message} (checked on the ${changedRows.get(test.model)} rows this run's merge changed)`,
        seconds: (performance.now() - started) / 1000,
      },
    });
  }
  return outcomes;
}

/**
 * Functions whose value does not come from the row: a rule using one can
 * break on a row the merge left alone.
 */
const outsideTheRow = new Set([
  "now",
  "today",
  "current_date",
  "current_time",
  "current_timestamp",
  "localtime",
  "localtimestamp",
  "get_current_time",
  "get_current_timestamp",
  "transaction_timestamp",
  "random",
  "uuid",
  "gen_random_uuid",
  "getvariable",
  "current_setting",
]);

/**
 * Whether a test's rule (its condition, or for `unique` its `where`)
 * decides on each row alone: it reads no table (a subquery on the model
 * itself would look at other rows) and calls nothing in `outsideTheRow`.
 */
function looksAtOneRow(test: CompiledDataTest): boolean {
  const rule =
    test.declaration.kind === "unique" ? (test.declaration.where ?? "") : test.filter?.condition;
  if (rule === undefined) return false;
  const tokens = tokenizeSql(rule);
  return (
    tableReferences(tokens).length === 0 &&
    !tokens.some((token) => token.type === "word" && outsideTheRow.has(token.text))
  );
}

/** The query counting a test's breaking rows among a merge's changed rows (for `unique`, its duplicated keys among theirs). */
async function changedRowsQuery(
  warehouse: Warehouse,
  test: CompiledDataTest,
  changes: string,
): Promise<string> {
  const declaration = test.declaration;
  if (declaration.kind !== "unique" || test.duplicatesAmong === undefined) {
    return `select count(*) as failures from ${changes} where ${test.filter?.condition ?? "true"}`;
  }
  const changedKeys = await rowMatch(warehouse, declaration.columns, changes);
  return `select count(*) as failures from (${test.duplicatesAmong(changedKeys.semiJoin("t"))})`;
}

/** A test's input fingerprint: its query and the fingerprints of what it reads. */
function testFingerprint(sql: string, inputs: Record<string, string>): string {
  return fingerprint({ sql, inputs });
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
    result.set(test, built ? testFingerprint(test.sql, inputs) : null);
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

/** An earlier result of a test over the same inputs, re-dated to this run, and its run. */
interface ReusedResult {
  readonly result: DataTestResult;
  readonly runId: string;
}

/**
 * For each test with inputs, the latest earlier result of the same test
 * over the same inputs (a query that could not run is never reused), read
 * in one query.
 */
async function reusableResults(
  warehouse: Warehouse,
  runId: string,
  tests: readonly CompiledDataTest[],
  fingerprintOf: ReadonlyMap<CompiledDataTest, string | null>,
): Promise<Map<CompiledDataTest, ReusedResult>> {
  const wanted = tests.flatMap((test) => {
    const inputs = fingerprintOf.get(test);
    return inputs ? [{ test_name: test.name, input_fingerprint: inputs }] : [];
  });
  const reused = new Map<CompiledDataTest, ReusedResult>();
  if (wanted.length === 0) return reused;
  const rows = await warehouse.all<{
    test_name: string;
    input_fingerprint: string;
    run_id: string;
    status: DataTestStatus;
    failures: number;
    message: string | null;
  }>(
    `with wanted as (
         select unnest(from_json($2, '[{"test_name": "VARCHAR", "input_fingerprint": "VARCHAR"}]'), recursive := true)
     )
     select test_name, input_fingerprint, run_id, status, failures, message
       from meta.data_test_results
      where run_id <> $1 and status <> 'error'
        and (test_name, input_fingerprint) in (select (test_name, input_fingerprint) from wanted)
     qualify row_number() over (
         partition by test_name, input_fingerprint order by tested_at desc, run_id desc) = 1`,
    [runId, JSON.stringify(wanted)],
  );
  const found = new Map(rows.map((row) => [`${row.test_name}\0${row.input_fingerprint}`, row]));
  for (const test of tests) {
    const row = found.get(`${test.name}\0${fingerprintOf.get(test)}`);
    if (row === undefined) continue;
    reused.set(test, {
      runId: row.run_id,
      result: {
        ...resultBase(runId, test),
        status: row.status,
        failures: row.failures,
        message: row.message ?? "",
        seconds: 0,
      },
    });
  }
  return reused;
}

/** Most rows a failed test keeps (SPEC §4). */
export const keptFailingRows = 100;

/** One kept failing row: its 1-based place in the test query's output, as a JSON object. */
interface FailingRow {
  readonly rowNumber: number;
  readonly json: string;
}

/**
 * Up to {@link keptFailingRows} rows breaking each failed row test, as JSON
 * objects: those kept by the run whose result was reused (same inputs, same
 * rows), else read again. Only reads; {@link storeResults} writes them.
 */
async function failingRows(
  warehouse: Warehouse,
  outcomes: readonly Outcome[],
  logger: Logger,
): Promise<Map<CompiledDataTest, FailingRow[]>> {
  const failed = outcomes.filter(
    (outcome) => outcome.result.status === "fail" && outcome.test.rowsSql !== undefined,
  );
  const kept = new Map<CompiledDataTest, FailingRow[]>();
  const reused = failed.filter((outcome) => outcome.reusedFrom !== undefined);
  if (reused.length > 0) {
    const rows = await warehouse.all<{
      run_id: string;
      test_name: string;
      row_number: number;
      row_json: string;
    }>(
      `with wanted as (
           select unnest(from_json($1, '[{"run_id": "VARCHAR", "test_name": "VARCHAR"}]'), recursive := true)
       )
       select run_id, test_name, row_number, row_json
         from meta.data_test_failures
        where (run_id, test_name) in (select (run_id, test_name) from wanted)
        order by run_id, test_name, row_number`,
      [
        JSON.stringify(
          reused.map((outcome) => ({ run_id: outcome.reusedFrom, test_name: outcome.test.name })),
        ),
      ],
    );
    const byTest = new Map<string, FailingRow[]>();
    for (const row of rows) {
      const key = `${row.run_id}\0${row.test_name}`;
      const earlierRows = byTest.get(key) ?? [];
      earlierRows.push({ rowNumber: row.row_number, json: row.row_json });
      byTest.set(key, earlierRows);
    }
    for (const outcome of reused) {
      const copied = byTest.get(`${outcome.reusedFrom}\0${outcome.test.name}`);
      if (copied !== undefined) kept.set(outcome.test, copied);
    }
  }
  // Fresh failures, and reused ones from before failing rows were kept.
  for (const { test, result } of failed) {
    if (kept.has(test)) continue;
    try {
      const rows = await warehouse.all<{ row_json: string }>(
        `select to_json(failing)::varchar as row_json
           from (select * from (${test.rowsSql}) limit ${keptFailingRows}) as failing`,
      );
      kept.set(
        test,
        rows.map((row, index) => ({ rowNumber: index + 1, json: row.row_json })),
      );
    } catch (thrown) {
      // The count already failed the test; a sample that cannot be kept must not hide that.
      logger.warn(
        { test: result.name, err: toError(thrown).message },
        "could not keep the failing rows of a data test",
      );
    }
  }
  return kept;
}

/** Columns of meta.data_test_results as written, with their types for `from_json`. */
const resultShape = JSON.stringify([
  {
    run_id: "VARCHAR",
    model: "VARCHAR",
    test_name: "VARCHAR",
    kind: "VARCHAR",
    column_name: "VARCHAR",
    severity: "VARCHAR",
    status: "VARCHAR",
    failures: "BIGINT",
    message: "VARCHAR",
    query: "VARCHAR",
    seconds: "DOUBLE",
    tested_at: "VARCHAR",
    input_fingerprint: "VARCHAR",
  },
]);

/**
 * Replaces the run's results of these tests, and their kept failing rows,
 * in one transaction of four statements: the rows go in as one JSON
 * parameter each, not as a statement per test.
 */
async function storeResults(
  warehouse: Warehouse,
  runId: string,
  outcomes: readonly Outcome[],
  fingerprintOf: ReadonlyMap<CompiledDataTest, string | null>,
  failing: ReadonlyMap<CompiledDataTest, readonly FailingRow[]>,
): Promise<void> {
  if (outcomes.length === 0) return;
  const names = JSON.stringify(outcomes.map((outcome) => outcome.test.name));
  const results = JSON.stringify(
    outcomes.map(({ test, result, testedAt }) => ({
      run_id: result.runId,
      model: result.model,
      test_name: result.name,
      kind: result.kind,
      column_name: result.column ?? null,
      severity: result.severity,
      status: result.status,
      failures: result.failures,
      message: result.message,
      query: result.sql,
      seconds: result.seconds,
      // As a bound Date would be: its UTC fields as wall-clock time.
      tested_at: testedAt.toISOString().replace(/Z$/, ""),
      input_fingerprint: fingerprintOf.get(test) ?? null,
    })),
  );
  const rows = JSON.stringify(
    [...failing].flatMap(([test, kept]) =>
      kept.map((row) => ({ test_name: test.name, row_number: row.rowNumber, row_json: row.json })),
    ),
  );
  await warehouse.transaction(async (session) => {
    for (const table of ["data_test_results", "data_test_failures"]) {
      await session.run(
        `delete from meta.${table}
          where run_id = $1 and test_name in (select unnest(from_json($2, '["VARCHAR"]')))`,
        [runId, names],
      );
    }
    await session.run(
      `insert into meta.data_test_results (run_id, model, test_name, kind, column_name, severity,
           status, failures, message, query, seconds, tested_at, input_fingerprint)
       select run_id, model, test_name, kind, column_name, severity, status, failures, message,
              query, seconds, cast(tested_at as timestamp), input_fingerprint
         from (select unnest(from_json($1, '${resultShape}'), recursive := true))`,
      [results],
    );
    if (failing.size === 0) return;
    await session.run(
      `insert into meta.data_test_failures (run_id, test_name, row_number, row_json)
       select $1, test_name, row_number, row_json
         from (select unnest(from_json($2, '[{"test_name": "VARCHAR", "row_number": "INTEGER", "row_json": "VARCHAR"}]'), recursive := true))`,
      [runId, rows],
    );
  });
}
