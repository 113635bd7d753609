import type { Row } from "../warehouse/warehouse.ts";
import type { CompiledDataTest } from "./compile-data-tests.ts";

/**
 * The tests of one model checked by one query, which returns one row: the
 * filter tests (`not_null`, `accepted_values`, `range`, `expression`) of a
 * table counted in one scan of it, `count(*) filter (where <condition>)`
 * each; `unique` tests by their hash screen (`screenSql`); every other test
 * by its own query, joined in as a one-row derived table. The counts are
 * those of the tests' own queries: `count(*) from (select * from t where c)`
 * and `count(*) filter (where c) from t` count the same rows. One query per
 * model instead of one per test is what the batch is for. A batch query
 * that fails says nothing about its tests, which then run one by one.
 */
export interface DataTestBatch {
  readonly model: string;
  readonly tests: readonly CompiledDataTest[];
  readonly sql: string;
  /**
   * The row test `index` (into `tests`) would have returned from its own
   * `sql`, or undefined when the batch cannot tell (a `unique` test whose
   * screen found candidates): then the test's own query decides.
   */
  rowOf(batchRow: Row, index: number): Row | undefined;
}

/**
 * Groups tests by model, in order of first appearance, one batch each.
 *
 * @example
 * for (const batch of batchDataTests(tests)) {
 *   const [row] = await warehouse.all(batch.sql);
 *   const failures = batch.tests.map((test, i) => batch.rowOf(row, i)?.failures);
 * }
 */
export function batchDataTests(tests: readonly CompiledDataTest[]): DataTestBatch[] {
  const byModel = new Map<string, CompiledDataTest[]>();
  for (const test of tests) {
    const group = byModel.get(test.model);
    if (group === undefined) byModel.set(test.model, [test]);
    else group.push(test);
  }
  return [...byModel].map(([model, group]) => batchOf(model, group));
}

function batchOf(model: string, tests: readonly CompiledDataTest[]): DataTestBatch {
  const scans = new Map<string, string[]>();
  const derived: string[] = [];
  tests.forEach((test, i) => {
    if (test.filter !== undefined) {
      const counts = scans.get(test.filter.from) ?? [];
      counts.push(`count(*) filter (where ${test.filter.condition}) as t${i}`);
      scans.set(test.filter.from, counts);
      return;
    }
    const [columns, sql] =
      test.screenSql !== undefined
        ? [`failures as t${i}`, test.screenSql]
        : test.kind === "reconcile"
          ? [`left_value as t${i}_left, right_value as t${i}_right`, test.sql]
          : [`${test.kind === "row_count" ? "n" : "failures"} as t${i}`, test.sql];
    derived.push(`(select ${columns} from (${sql})) as q${i}`);
  });
  const from = [
    ...[...scans].map(
      ([table, counts], s) => `(select ${counts.join(", ")} from ${table}) as s${s}`,
    ),
    ...derived,
  ];
  return {
    model,
    tests,
    sql: `select * from ${from.join(", ")}`,
    rowOf(row, i) {
      const test = tests[i] as CompiledDataTest;
      const value = row[`t${i}`];
      if (test.screenSql !== undefined) return value === 0 ? { failures: 0 } : undefined;
      if (test.kind === "reconcile")
        return { left_value: row[`t${i}_left`], right_value: row[`t${i}_right`] };
      return test.kind === "row_count" ? { n: value } : { failures: value };
    },
  };
}
