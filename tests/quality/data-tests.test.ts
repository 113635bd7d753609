import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  assertDataTestsPassed,
  type DataTestResult,
  hasErrorFailures,
  runDataTests,
} from "../../src/quality/run-data-tests.ts";
import { parseTestDeclarations } from "../../src/transform/test-declarations.ts";
import { QualityError } from "../../src/util/errors.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tempDir } from "../support/temp-dir.ts";
import { buildAll, fixtureWarehouse, insertRaw } from "../transform/fixture-warehouse.ts";

// A throwaway project whose one table breaks each kind of test once:
//   id 1, 1, null        → unique.id fails (1 duplicated value), not_null.id fails (1 row)
//   kind a, c, b         → accepted_values [a, b] fails (c)
//   score 0.5, 1.5, 0.2  → range [0, 1] fails (1.5); warn range [0, 0.5] fails (1.5)
//   parent_id 10, 11, -  → relationships to mart_parents.id (only 10) fails (11)
//   (id, kind) unique    → passes
//   score < 0.5 for kind a → expression fails (0.5)
//   3 rows vs 1 parent   → reconcile fails; row_count ≤ 2 fails
const things = `/*
description: rows that break one test of each kind
grain: one row per thing
columns:
  id: {description: id, tests: [unique, not_null]}
  kind: {description: kind, tests: [{accepted_values: [a, b]}]}
  score:
    description: score
    tests:
      - range: {min: 0, max: 1}
      - range: {name: tight_score, min: 0, max: 0.5, severity: warn}
  parent_id: {description: parent, tests: [{relationships: {to: mart_parents, field: id}}]}
tests:
  - unique: {columns: [id, kind]}
  - expression: {name: low_score_for_a, check: score < 0.5, where: kind = 'a'}
  - reconcile:
      name: one_thing_per_parent
      left: select count(*) from main.mart_things
      right: select count(*) from main.mart_parents
  - row_count: {max: 2}
  - not_null: {name: missing_column, column: no_such_column, severity: warn}
*/
select * from (values (1, 'a', 0.5, 10), (1, 'c', 1.5, 11), (null, 'b', 0.2, null)) as t(id, kind, score, parent_id)
`;
const parents = `/*
description: parents
grain: one row per parent
columns:
  id: {description: id, tests: [unique, not_null, {range: {min: 10, max: 10}}]}
*/
select 10 as id
`;

let warehouse: Warehouse;
let sqlDir: string;
let results: DataTestResult[];

beforeAll(async () => {
  sqlDir = tempDir("duckmart-tests");
  mkdirSync(join(sqlDir, "marts"));
  writeFileSync(join(sqlDir, "marts/mart_things.sql"), things);
  writeFileSync(join(sqlDir, "marts/mart_parents.sql"), parents);
  warehouse = await fixtureWarehouse();
  await buildAll(warehouse, undefined, { sqlDir });
  results = await runDataTests(warehouse, { runId: "t1", sqlDir });
});

/**
 * The CLV fit's warn-severity convergence tests: a BG/NBD fit on two buyers
 * need not converge, and says so (SPEC §3), which is not a data error.
 */
const clvConvergence = (name: string) => /^mart_clv_model\.(bgnbd|gg)_converged$/.test(name);

const byName = (name: string) => results.find((result) => result.name === name);

describe("data tests", () => {
  it("detects each kind of failure with the failing row count", () => {
    // The generated staging models of the built-in sources are tested too; these are the file's own.
    const summary = Object.fromEntries(
      results
        .filter((r) => r.name.startsWith("mart_"))
        .map((r) => [r.name, [r.status, r.failures, r.severity]]),
    );
    expect(summary).toEqual({
      "mart_parents.unique.id": ["pass", 0, "error"],
      "mart_parents.not_null.id": ["pass", 0, "error"],
      "mart_parents.range.id": ["pass", 0, "error"],
      "mart_things.unique.id": ["fail", 1, "error"],
      "mart_things.not_null.id": ["fail", 1, "error"],
      "mart_things.accepted_values.kind": ["fail", 1, "error"],
      "mart_things.range.score": ["fail", 1, "error"],
      "mart_things.tight_score": ["fail", 1, "warn"],
      "mart_things.relationships.parent_id": ["fail", 1, "error"],
      "mart_things.unique.id+kind": ["pass", 0, "error"],
      "mart_things.low_score_for_a": ["fail", 1, "error"],
      "mart_things.one_thing_per_parent": ["fail", 1, "error"],
      "mart_things.row_count": ["fail", 1, "error"],
      "mart_things.missing_column": ["error", 0, "warn"],
    });
  });

  it("explains failures in the message", () => {
    expect(byName("mart_things.range.score")?.message).toBe(
      "1 row(s) of main.mart_things break: score in [0, 1]",
    );
    expect(byName("mart_things.one_thing_per_parent")?.message).toBe(
      "left side is 3, right side is 1",
    );
    expect(byName("mart_things.row_count")?.message).toBe(
      "main.mart_things has 3 rows; expected [-∞, 2]",
    );
    expect(byName("mart_things.low_score_for_a")?.message).toBe(
      "1 row(s) of main.mart_things where kind = 'a' break: score < 0.5",
    );
    expect(byName("mart_things.missing_column")?.message).toMatch(
      /test query failed: .*no_such_column/,
    );
  });

  it("stores every result of the run with its severity", async () => {
    const stored = await warehouse.all(
      "select test_name, kind, column_name, severity, status, failures from meta.data_test_results where run_id = 't1' and model = 'mart_things' and status <> 'pass' order by test_name",
    );
    expect(stored).toEqual([
      {
        test_name: "mart_things.accepted_values.kind",
        kind: "accepted_values",
        column_name: "kind",
        severity: "error",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.low_score_for_a",
        kind: "expression",
        column_name: null,
        severity: "error",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.missing_column",
        kind: "not_null",
        column_name: "no_such_column",
        severity: "warn",
        status: "error",
        failures: 0,
      },
      {
        test_name: "mart_things.not_null.id",
        kind: "not_null",
        column_name: "id",
        severity: "error",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.one_thing_per_parent",
        kind: "reconcile",
        column_name: null,
        severity: "error",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.range.score",
        kind: "range",
        column_name: "score",
        severity: "error",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.relationships.parent_id",
        kind: "relationships",
        column_name: "parent_id",
        severity: "error",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.row_count",
        kind: "row_count",
        column_name: null,
        severity: "error",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.tight_score",
        kind: "range",
        column_name: "score",
        severity: "warn",
        status: "fail",
        failures: 1,
      },
      {
        test_name: "mart_things.unique.id",
        kind: "unique",
        column_name: "id",
        severity: "error",
        status: "fail",
        failures: 1,
      },
    ]);
  });

  it("tells error failures from warnings", () => {
    expect(hasErrorFailures(results)).toBe(true);
    expect(() => assertDataTestsPassed(results)).toThrow(QualityError);
    expect(() => assertDataTestsPassed(results)).toThrow(/mart_things\.unique\.id: /);
    const warningsOnly = results.filter((r) => r.severity === "warn");
    expect(warningsOnly.map((r) => r.status)).toEqual(["fail", "error"]);
    expect(hasErrorFailures(warningsOnly)).toBe(false);
    expect(() => assertDataTestsPassed(warningsOnly)).not.toThrow();
  });

  it("tests only the selected models", async () => {
    const selected = await runDataTests(warehouse, { runId: "t2", sqlDir, select: "mart_parents" });
    expect(selected.map((r) => r.name)).toEqual([
      "mart_parents.unique.id",
      "mart_parents.not_null.id",
      "mart_parents.range.id",
    ]);
    expect(hasErrorFailures(selected)).toBe(false);
  });

  it("keeps the rows that break a failed row test, queryable by run", async () => {
    const kept = await warehouse.all<{ test_name: string; row_number: number; row_json: string }>(
      "select test_name, row_number, row_json from meta.data_test_failures where run_id = 't1' order by test_name, row_number",
    );
    const rows = Object.fromEntries(
      kept.map((row) => [`${row.test_name}#${row.row_number}`, JSON.parse(row.row_json)]),
    );
    expect(rows).toEqual({
      "mart_things.accepted_values.kind#1": { id: 1, kind: "c", score: 1.5, parent_id: 11 },
      "mart_things.low_score_for_a#1": { id: 1, kind: "a", score: 0.5, parent_id: 10 },
      "mart_things.not_null.id#1": { id: null, kind: "b", score: 0.2, parent_id: null },
      "mart_things.range.score#1": { id: 1, kind: "c", score: 1.5, parent_id: 11 },
      "mart_things.relationships.parent_id#1": { id: 1, kind: "c", score: 1.5, parent_id: 11 },
      "mart_things.tight_score#1": { id: 1, kind: "c", score: 1.5, parent_id: 11 },
      "mart_things.unique.id#1": { id: 1, duplicates: 2 },
    });
  });

  it("keeps at most 100 failing rows of a test, and copies them when a result is reused", async () => {
    const dir = tempDir("duckmart-many");
    mkdirSync(join(dir, "marts"));
    writeFileSync(
      join(dir, "marts/mart_many.sql"),
      `/*
description: 250 numbers, 240 of them above 9
grain: one row per n
columns:
  n: {description: n, tests: [{range: {max: 9}}]}
*/
select range as n from range(250)
`,
    );
    await buildAll(warehouse, undefined, { sqlDir: dir });
    const [first] = await runDataTests(warehouse, {
      runId: "m1",
      sqlDir: dir,
      reuseUnchanged: true,
    });
    const [second] = await runDataTests(warehouse, {
      runId: "m2",
      sqlDir: dir,
      reuseUnchanged: true,
    });
    expect(first?.failures).toBe(240);
    expect(second?.seconds).toBe(0);
    const counts = await warehouse.all<{ run_id: string; n: number; low: number }>(
      `select run_id, count(*) as n, min(cast(json_extract(row_json, '$.n') as integer)) as low
       from meta.data_test_failures where run_id in ('m1', 'm2') group by run_id order by run_id`,
    );
    expect(counts).toEqual([
      { run_id: "m1", n: 100, low: expect.any(Number) },
      { run_id: "m2", n: 100, low: counts[0]?.low },
    ]);
    expect(counts[0]?.low).toBeGreaterThanOrEqual(10);

    // A reused result whose run kept no rows (it predates them) reads them again.
    await warehouse.run("delete from meta.data_test_failures where run_id = 'm2'");
    await runDataTests(warehouse, { runId: "m3", sqlDir: dir, reuseUnchanged: true });
    const [again] = await warehouse.all<{ n: number }>(
      "select count(*) as n from meta.data_test_failures where run_id = 'm3'",
    );
    expect(again?.n).toBe(100);
  });

  it("rejects malformed declarations with the entry named", () => {
    expect(() => parseTestDeclarations(["not_a_test"], "x")).toThrow(
      /test #1: unknown kind not_a_test/,
    );
    expect(() => parseTestDeclarations([{ range: {} }], "x")).toThrow(
      /test #1 \(range\): .*range needs min or max/,
    );
    expect(() => parseTestDeclarations([{ relationships: { to: "m" } }], "x")).toThrow(/field/);
  });
});

describe("the project's own tests", () => {
  let real: Warehouse;

  beforeAll(async () => {
    real = await fixtureWarehouse();
    await insertRaw(real, "visits", [
      {
        user_id: "u1",
        session_start: "2021-01-01 10:00:00",
        session_end: "2021-01-01 10:05:00",
        source_id: "s1",
      },
      { user_id: "u1", session_start: "2021-01-03 10:00:00", session_end: "2021-01-02 10:05:00" }, // quarantined
    ]);
    await insertRaw(real, "orders", [
      { order_id: "1", user_id: "u1", created_at: "2021-01-02 10:00:00", revenue: 100 },
      {
        order_id: "2",
        user_id: "u2",
        created_at: "2021-02-02 10:00:00",
        revenue: 50,
        currency: "USD",
      }, // no rate
      {
        order_id: "3",
        user_id: "u2",
        created_at: "2021-03-02 10:00:00",
        revenue: 5,
        currency: "USD",
      },
    ]);
    await insertRaw(real, "fx_rates", [{ dt: "2021-03-01", currency: "USD", rate: 75 }]);
    await insertRaw(real, "costs", [{ dt: "2021-01-01", source_id: "s1", costs: 30 }]);
    await insertRaw(real, "events", [{ event_id: "e1", event_type: "x" }]);
    await buildAll(real);
  });

  it("pass on consistent data", async () => {
    const checked = await runDataTests(real, { runId: "p1" });
    expect(checked.length).toBeGreaterThan(200);
    expect(
      checked
        .filter((r) => r.status !== "pass" && !clvConvergence(r.name))
        .map((r) => `${r.name}: ${r.message}`),
    ).toEqual([]);
  });

  it("catch marts that no longer reconcile with staging", async () => {
    await real.run("update mart_kpi_monthly set revenue = revenue + 1 where month = '2021-01-01'");
    await real.run(
      "update mart_retention set retention_rate = 0.5 where lifetime = 0 and basis = 'orders'",
    );
    await real.run("delete from staging.stg_orders_quarantine");
    await real.run("delete from mart_user_profile where user_id = 'u2'");
    const checked = await runDataTests(real, { runId: "p2" });
    const failed = checked.filter((r) => r.status !== "pass").map((r) => r.name);
    expect(failed).toEqual(
      expect.arrayContaining([
        "mart_kpi_monthly.revenue_matches_staged_orders",
        "mart_retention.lifetime_0_retention_is_1",
        "stg_orders.raw_rows_accounted",
        "mart_user_profile.buyers_match_staged_orders",
      ]),
    );
    expect(hasErrorFailures(checked)).toBe(true);
  });
});

describe("reusing results of unchanged tests", () => {
  it("takes a model name inside a string literal for no input of the test", async () => {
    const dir = tempDir("duckmart-reuse");
    mkdirSync(join(dir, "marts"));
    const header = (tests: string) =>
      `/*\ndescription: d\ngrain: one row\ncolumns:\n  kind: {description: k}\ntests:\n${tests}\n*/\n`;
    writeFileSync(
      join(dir, "marts/mart_a.sql"),
      `${header("  - expression: {name: not_b, check: \"kind <> 'mart_b'\"}")}select 'a' as kind`,
    );
    const b = (value: string) => `${header("  - row_count: {min: 1}")}select '${value}' as kind`;
    writeFileSync(join(dir, "marts/mart_b.sql"), b("b"));
    const fresh = await fixtureWarehouse();
    await buildAll(fresh, undefined, { sqlDir: dir });
    await runDataTests(fresh, { runId: "r1", sqlDir: dir, reuseUnchanged: true });
    writeFileSync(join(dir, "marts/mart_b.sql"), b("bb"));
    await buildAll(fresh, undefined, { sqlDir: dir });
    const second = await runDataTests(fresh, { runId: "r2", sqlDir: dir, reuseUnchanged: true });
    const ran = (name: string) => (second.find((r) => r.name === name)?.seconds ?? 0) > 0;
    expect(ran("mart_b.row_count")).toBe(true);
    expect(ran("mart_a.not_b")).toBe(false);
  });

  it("reuses a result only while the test's inputs are unchanged", async () => {
    const fresh = await fixtureWarehouse();
    await insertRaw(fresh, "orders", [
      { order_id: "1", user_id: "u1", created_at: "2021-01-05 10:00:00", revenue: 10 },
    ]);
    await buildAll(fresh);
    const first = await runDataTests(fresh, { runId: "r1", reuseUnchanged: true });
    const second = await runDataTests(fresh, { runId: "r2", reuseUnchanged: true });
    expect(second.map((r) => [r.name, r.status])).toEqual(first.map((r) => [r.name, r.status]));
    expect(second.every((r) => r.seconds === 0)).toBe(true);
    const stored = await fresh.all<{ n: number }>(
      "select count(*) as n from meta.data_test_results where run_id = 'r2'",
    );
    expect(stored[0]?.n).toBe(first.length);

    // New raw rows change the staging fingerprints: the tests reading them run again.
    await insertRaw(fresh, "orders", [
      { order_id: "2", user_id: "u2", created_at: "2021-02-05 10:00:00", revenue: 20 },
    ]);
    await buildAll(fresh);
    const third = await runDataTests(fresh, { runId: "r3", reuseUnchanged: true });
    const rerun = third.filter((r) => r.seconds > 0).map((r) => r.name);
    expect(rerun).toContain("mart_user_profile.buyers_match_staged_orders");
    expect(rerun).toContain("stg_orders.raw_rows_accounted");
    expect(third.filter((r) => r.status !== "pass" && !clvConvergence(r.name))).toEqual([]);

    // Raw rows written with no meta.loaded_files entry and no rebuild change the
    // source's fingerprint as the transform computes it: the raw test runs again
    // and sees raw no longer equal to staged + quarantined + superseded.
    await insertRaw(fresh, "orders", [
      { order_id: "3", user_id: "u3", created_at: "2021-03-05 10:00:00", revenue: 30 },
    ]);
    const fourth = await runDataTests(fresh, { runId: "r4", reuseUnchanged: true });
    const accounted = fourth.find((r) => r.name === "stg_orders.raw_rows_accounted");
    expect(accounted?.status).toBe("fail");
  });
});
