import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { type CompiledDataTest, compileDataTests } from "../../src/quality/compile-data-tests.ts";
import { batchDataTests } from "../../src/quality/data-test-batch.ts";
import { runDataTests } from "../../src/quality/run-data-tests.ts";
import { loadProject } from "../../src/transform/project.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { tempDir } from "../support/temp-dir.ts";
import { buildAll, fixtureWarehouse, insertRaw } from "../transform/fixture-warehouse.ts";

// One model whose tests fail in every batched way at once (no test of it is
// broken, so its batch query runs):
//   id 1, 1, 2, 3, 3       → unique.id: 2 duplicated values
//   kind a, a, x, -, -     → not_null.kind: 2 rows; accepted_values [a]: 1 row (x)
//   score .5, 2, -1, .1, .3 → range [0, 1]: 2 rows; warn expression score < 1: 1 row
//   (id, kind) (1,a) twice, (3,-) twice → unique.id+kind: 2 duplicated values
//   5 rows                 → row_count ≤ 3 fails
const batched = `/*
description: rows that fail several tests of one model
grain: one row per thing
columns:
  id: {description: id, tests: [unique]}
  kind: {description: kind, tests: [not_null, {accepted_values: [a]}]}
  score: {description: score, tests: [{range: {min: 0, max: 1}}]}
tests:
  - unique: {columns: [id, kind]}
  - expression: {name: score_below_1, check: score < 1, severity: warn}
  - row_count: {max: 3}
*/
select * from (values (1, 'a', 0.5), (1, 'a', 2.0), (2, 'x', -1.0), (3, null, 0.1), (3, null, 0.3)) as t(id, kind, score)
`;
// A model with one broken test: its batch cannot run, so its tests run one by one.
const broken = `/*
description: one broken test and one that holds
grain: one row
columns:
  id: {description: id, tests: [not_null]}
tests:
  - not_null: {name: missing_column, column: no_such_column}
*/
select 1 as id
`;

/** What each test's own query returns, the reference for the batch. */
async function ownRows(warehouse: Warehouse, tests: readonly CompiledDataTest[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const test of tests) rows.push((await warehouse.all(test.sql))[0] ?? {});
  return rows;
}

describe("data tests batched per model", () => {
  let warehouse: Warehouse;
  let sqlDir: string;

  beforeAll(async () => {
    sqlDir = tempDir("duckmart-batch");
    mkdirSync(join(sqlDir, "marts"));
    writeFileSync(join(sqlDir, "marts/mart_batched.sql"), batched);
    writeFileSync(join(sqlDir, "marts/mart_broken.sql"), broken);
    warehouse = await fixtureWarehouse();
    await buildAll(warehouse, undefined, { sqlDir });
  });

  it("counts in one query what each test's own query counts", async () => {
    const project = await loadProject({ sqlDir });
    const tests = compileDataTests(project, ["mart_batched"]);
    const [batch, ...more] = batchDataTests(tests);
    expect(more).toEqual([]);
    const [row] = await warehouse.all(batch?.sql ?? "");
    const own = await ownRows(warehouse, tests);
    tests.forEach((test, i) => {
      const fromBatch = batch?.rowOf(row ?? {}, i);
      // A unique test with duplicates is left to its own query.
      if (test.kind === "unique") expect(fromBatch).toBeUndefined();
      else expect(fromBatch, test.name).toEqual(own[i]);
    });
  });

  it("names each failed test with its own count, severity and failing rows", async () => {
    const lines: { msg: string; model?: string; tests?: number; queries?: number }[] = [];
    const logger = pino(
      { level: "debug" },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const results = await runDataTests(warehouse, { runId: "b1", sqlDir, logger });
    // Only the broken model fell back to one query per test.
    expect(
      lines.filter((line) => line.msg.includes("one by one")).map((line) => line.model),
    ).toEqual(["mart_broken"]);
    const summary = Object.fromEntries(
      results
        .filter((r) => r.name.startsWith("mart_"))
        .map((r) => [r.name, [r.status, r.failures, r.severity]]),
    );
    expect(summary).toEqual({
      "mart_batched.unique.id": ["fail", 2, "error"],
      "mart_batched.not_null.kind": ["fail", 2, "error"],
      "mart_batched.accepted_values.kind": ["fail", 1, "error"],
      "mart_batched.range.score": ["fail", 2, "error"],
      "mart_batched.unique.id+kind": ["fail", 2, "error"],
      "mart_batched.score_below_1": ["fail", 1, "warn"],
      "mart_batched.row_count": ["fail", 1, "error"],
      "mart_broken.not_null.id": ["pass", 0, "error"],
      "mart_broken.missing_column": ["error", 0, "error"],
    });
    expect(results.every((r) => r.seconds > 0)).toBe(true);
    const kept = await warehouse.all<{ test_name: string; rows: string[] }>(
      `select test_name, list(row_json order by row_number) as rows
       from meta.data_test_failures where run_id = 'b1' group by test_name order by test_name`,
    );
    expect(
      Object.fromEntries(kept.map((k) => [k.test_name, k.rows.map((r) => JSON.parse(r))])),
    ).toEqual({
      "mart_batched.accepted_values.kind": [{ id: 2, kind: "x", score: -1 }],
      "mart_batched.not_null.kind": [
        { id: 3, kind: null, score: 0.1 },
        { id: 3, kind: null, score: 0.3 },
      ],
      "mart_batched.range.score": [
        { id: 1, kind: "a", score: 2 },
        { id: 2, kind: "x", score: -1 },
      ],
      "mart_batched.score_below_1": [{ id: 1, kind: "a", score: 2 }],
      "mart_batched.unique.id": expect.arrayContaining([
        { id: 1, duplicates: 2 },
        { id: 3, duplicates: 2 },
      ]),
      "mart_batched.unique.id+kind": expect.arrayContaining([
        { id: 1, kind: "a", duplicates: 2 },
        { id: 3, kind: null, duplicates: 2 },
      ]),
    });
    const stored = await warehouse.all<{ n: number }>(
      "select count(*) as n from meta.data_test_results where run_id = 'b1'",
    );
    expect(stored[0]?.n).toBe(results.length);
  });

  it("replaces a test's result and failing rows when the same run tests it again", async () => {
    await runDataTests(warehouse, { runId: "b2", sqlDir });
    await runDataTests(warehouse, { runId: "b2", sqlDir, select: "mart_batched" });
    const counts = await warehouse.all<{ results: number; failing: number }>(
      `select (select count(*) from meta.data_test_results where run_id = 'b2') as results,
              (select count(*) from meta.data_test_failures where run_id = 'b2') as failing`,
    );
    const first = await warehouse.all<{ results: number; failing: number }>(
      `select (select count(*) from meta.data_test_results where run_id = 'b1') as results,
              (select count(*) from meta.data_test_failures where run_id = 'b1') as failing`,
    );
    expect(counts).toEqual(first);
  });
});

describe("the project's own tests, batched", () => {
  it("count what each test's own query counts, on data that breaks some of them", async () => {
    const warehouse = await fixtureWarehouse();
    await insertRaw(warehouse, "orders", [
      { order_id: "1", user_id: "u1", created_at: "2021-01-02 10:00:00", revenue: 100 },
      { order_id: "2", user_id: "u2", created_at: "2021-02-02 10:00:00", revenue: 50 },
    ]);
    await insertRaw(warehouse, "visits", [
      {
        user_id: "u1",
        session_start: "2021-01-01 10:00:00",
        session_end: "2021-01-01 10:05:00",
        source_id: "s1",
      },
    ]);
    await buildAll(warehouse);
    await warehouse.run("update mart_kpi_monthly set revenue = revenue + 1");
    await warehouse.run("insert into mart_user_profile select * from mart_user_profile");
    const project = await loadProject({});
    const tests = compileDataTests(project);
    const own = await ownRows(warehouse, tests);
    const index = new Map(tests.map((test, i) => [test, i]));
    let failing = 0;
    for (const batch of batchDataTests(tests)) {
      const [row] = await warehouse.all(batch.sql);
      batch.tests.forEach((test, i) => {
        const expected = own[index.get(test) as number];
        const fromBatch = batch.rowOf(row ?? {}, i);
        if (test.kind === "unique" && expected?.failures !== 0) {
          failing += 1;
          expect(fromBatch, test.name).toBeUndefined();
        } else expect(fromBatch, test.name).toEqual(expected);
      });
    }
    expect(failing).toBeGreaterThan(0);
  });
});
