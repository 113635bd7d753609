import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inRowsOf, rowMatch } from "../../src/warehouse/row-membership.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await Warehouse.open(":memory:");
  await warehouse.run(`create table visits as select * from (values
    (1, 'u1', 'web'), (2, 'u1', null), (3, null, 'app'), (4, null, null), (5, 'u2', 'web'))
    as t(id, user_id, device)`);
});
afterAll(() => warehouse.close());

const ids = async (sql: string) =>
  (await warehouse.all<{ id: number }>(sql)).map((row) => Number(row.id)).sort();

describe("rows matching a small table, nulls equal to nulls", () => {
  it("finds the same rows with a semi join as with the struct condition", async () => {
    await warehouse.run(`create or replace table wanted as select * from (values
      ('u1', null), (null, 'app'), (null, null)) as t(user_id, device)`);
    const columns = ["user_id", "device"];
    const match = await rowMatch(warehouse, columns, "wanted");
    expect(await ids(`select v.id from visits v ${match.semiJoin("v")}`)).toEqual([2, 3, 4]);
    expect(
      await ids(
        `select v.id from visits v where ${inRowsOf(columns, ["v.user_id", "v.device"], "wanted")}`,
      ),
    ).toEqual([2, 3, 4]);
  });

  it("compares with = the columns the small table has no null in, so the scan can skip", async () => {
    await warehouse.run(
      "create or replace table wanted as select * from (values ('u1', null), ('u2', 'web')) as t(user_id, device)",
    );
    const match = await rowMatch(warehouse, ["user_id", "device"], "wanted");
    expect(match.semiJoin("v")).toMatch(/__match_0 = v\."user_id"/);
    expect(match.semiJoin("v")).toMatch(/__match_1 is not distinct from v\."device"/);
    // A row whose user is null cannot match a user that is never null.
    expect(await ids(`select v.id from visits v ${match.semiJoin("v")}`)).toEqual([2, 5]);
  });

  it("takes expressions for the values, which cannot bind to the small table's columns", async () => {
    await warehouse.run("create or replace table wanted as select 'U1' as user_id");
    const match = await rowMatch(warehouse, ["user_id"], "wanted");
    expect(
      await ids(`select v.id from visits v ${match.semiJoin("v", ["upper(user_id)"])}`),
    ).toEqual([1, 2]);
  });

  it("deletes the matching rows by a join, even from a table with a column named rowid", async () => {
    await warehouse.run(
      "create or replace table shadowed as select id as rowid, id % 2 as parity from range(6) t(id)",
    );
    await warehouse.run("create or replace table wanted as select 1 as rowid");
    const match = await rowMatch(warehouse, ["rowid"], "wanted");
    await warehouse.run(match.deleteFrom("shadowed"));
    expect(await ids("select rowid as id from shadowed")).toEqual([0, 2, 3, 4, 5]);
  });
});
