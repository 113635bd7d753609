import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasErrorFailures, runDataTests } from "../../src/quality/run-data-tests.ts";
import { dropMergedChanges, type MergedChanges } from "../../src/transform/run-transforms.ts";
import { tempDir } from "../support/temp-dir.ts";
import { buildAll, fixtureWarehouse, insertRaw } from "../transform/fixture-warehouse.ts";

const uniqueKey = "stg_visits.unique.user_id+session_start+session_end+device+source_id";
const onChangedRows = /\(checked on the \d+ rows this run's merge changed\)$/;

/** A day of two visits in its own object. */
const visitsOf = (day: string) => [
  { user_id: "u1", session_start: `${day} 10:00:00`, session_end: `${day} 10:10:00` },
  { user_id: "u2", session_start: `${day} 11:00:00`, session_end: `${day} 11:30:00` },
];

describe("data tests of a merged model", () => {
  it("check the rows the merge changed, and the whole table when those break a rule or it failed before", async () => {
    const warehouse = await fixtureWarehouse();
    try {
      const day = async (date: string): Promise<readonly MergedChanges[]> => {
        await insertRaw(warehouse, "visits", visitsOf(date), { key: `raw/visits/${date}.csv` });
        return (await buildAll(warehouse, undefined, { keepChanges: true })).mergedChanges;
      };
      const test = (name: string, results: Awaited<ReturnType<typeof runDataTests>>) =>
        results.find((result) => result.name === name);
      const testRun = (runId: string, merged: readonly MergedChanges[]) =>
        runDataTests(warehouse, { runId, reuseUnchanged: true, mergedChanges: merged });

      await day("2021-04-01");
      expect(hasErrorFailures(await testRun("d1", []))).toBe(false);

      // A new day is merged into stg_visits; its tests run on the merged rows only.
      const second = await day("2021-04-02");
      expect(second.map((changes) => changes.model)).toContain("stg_visits");
      const secondResults = await testRun("d2", second);
      expect(test(uniqueKey, secondResults)).toMatchObject({ status: "pass" });
      expect(test(uniqueKey, secondResults)?.message).toMatch(onChangedRows);
      expect(test("stg_visits.not_null.session_end", secondResults)?.message).toMatch(
        onChangedRows,
      );
      await dropMergedChanges(warehouse, second);

      // The next merge writes a duplicate and a missing end (as a broken model would):
      // found among its rows, then decided on the whole table.
      const third = await day("2021-04-03");
      const changes = third.find((c) => c.model === "stg_visits")?.table as string;
      const newDay = "_file_key = 'raw/visits/2021-04-03.csv'";
      await warehouse.run(
        `insert into staging.stg_visits select * from staging.stg_visits where ${newDay} and _file_row = 1`,
      );
      for (const table of ["staging.stg_visits", changes])
        await warehouse.run(
          `update ${table} set session_end = null where ${newDay} and _file_row = 2`,
        );
      const thirdResults = await testRun("d3", third);
      expect(test(uniqueKey, thirdResults)).toMatchObject({ status: "fail", failures: 1 });
      expect(test("stg_visits.not_null.session_end", thirdResults)).toMatchObject({
        status: "fail",
        failures: 1,
      });
      await dropMergedChanges(warehouse, third);

      // A test that failed on the table before the merge runs whole, even if the new rows pass.
      const fourth = await day("2021-04-04");
      const fourthResults = await testRun("d4", fourth);
      expect(test(uniqueKey, fourthResults)).toMatchObject({ status: "fail", failures: 1 });
      expect(test(uniqueKey, fourthResults)?.message).not.toMatch(onChangedRows);
      await dropMergedChanges(warehouse, fourth);
    } finally {
      warehouse.close();
    }
  });

  it("run whole a rule that looks beyond its row, even when the changed rows pass it", async () => {
    const warehouse = await fixtureWarehouse();
    try {
      const dir = tempDir("scoped-rule");
      mkdirSync(join(dir, "marts"));
      writeFileSync(
        join(dir, "marts/mart_items.sql"),
        `/*
description: items and their parents
grain: one row per id
columns:
  id: {description: item, tests: [not_null]}
  parent_id: {description: its parent item}
tests:
  - expression: {name: parent_exists, check: "parent_id is null or parent_id in (select id from main.mart_items)"}
*/
select * from (values (1, null), (2, 1), (3, 2)) as t(id, parent_id)
`,
      );
      await buildAll(warehouse, undefined, { sqlDir: dir });
      const [before] = await warehouse.all<{ data_fingerprint: string }>(
        "select data_fingerprint from meta.model_state where model = 'mart_items'",
      );
      const first = await runDataTests(warehouse, {
        runId: "s1",
        sqlDir: dir,
        reuseUnchanged: true,
      });
      expect(hasErrorFailures(first)).toBe(false);

      // A merge removes item 1 and adds item 4: item 2, unchanged, loses its parent.
      await warehouse.run("delete from main.mart_items where id = 1");
      await warehouse.run("insert into main.mart_items values (4, null)");
      await warehouse.run(
        "create temp table changes_items as select *, 1 as __duckmart_copies from (values (1, null), (4, null)) as t(id, parent_id)",
      );
      await warehouse.run(
        "update meta.model_state set data_fingerprint = 'merged' where model = 'mart_items'",
      );
      const second = await runDataTests(warehouse, {
        runId: "s2",
        sqlDir: dir,
        reuseUnchanged: true,
        mergedChanges: [
          {
            model: "mart_items",
            table: "temp.changes_items",
            previousDataFingerprint: before?.data_fingerprint as string,
          },
        ],
      });
      const result = (name: string) => second.find((r) => r.name === `mart_items.${name}`);
      expect(result("parent_exists")).toMatchObject({ status: "fail", failures: 1 });
      expect(result("not_null.id")?.message).toMatch(onChangedRows);
    } finally {
      warehouse.close();
    }
  });
});
