import { describe, expect, it } from "vitest";
import {
  commonTableExpressionNames,
  normaliseSql,
  replaceTableReferences,
  tableReferences,
  tokenizeSql,
  variableReferences,
} from "../../src/transform/sql-tokens.ts";

const references = (sql: string) => {
  const tokens = tokenizeSql(sql);
  const ctes = commonTableExpressionNames(tokens);
  return tableReferences(tokens)
    .map((ref) => ref.parts.join("."))
    .filter((name) => !ctes.has(name));
};

describe("sql-tokens", () => {
  it("finds tables after FROM, JOIN and FROM-list commas, not CTEs or functions", () => {
    const sql = `
      with orders as (select * from staging.stg_orders),
      totals (user_id, n) as (select user_id, count(*) from orders group by 1)
      select extract(year from created_at), trim(both from x), substring(s from 2)
      from totals
      left join "intermediate"."int_buyers" as b on true
      asof left join fx on true
      cross join range(3) as r(i)
      join (select 1 from raw.visits) v on true, main.mart_a a, mart_b
      where exists (select 1 from read_csv('x.csv'))`;
    expect(references(sql)).toEqual([
      "staging.stg_orders",
      "intermediate.int_buyers",
      "fx",
      "raw.visits",
      "main.mart_a",
      "mart_b",
    ]);
  });

  it("ignores tables mentioned in comments and strings", () => {
    expect(references("-- from raw.orders\nselect 'from raw.costs' /* join x */ from a")).toEqual([
      "a",
    ]);
  });

  it("finds the settings read with getvariable", () => {
    const tokens = tokenizeSql(
      "select getvariable('margin') * getVariable( 'base_currency' ), getvariable('margin')",
    );
    expect(variableReferences(tokens)).toEqual(["base_currency", "margin"]);
  });

  it("normalises comments, whitespace and keyword case away but keeps literals", () => {
    const a = "/* header */\nSELECT  a,\n  b -- note\nFROM t WHERE c = 'X y'";
    const b = "select a, b from t where c = 'X y'";
    expect(normaliseSql(a)).toBe(normaliseSql(b));
    expect(normaliseSql(b)).not.toBe(normaliseSql("select a, b from t where c = 'x y'"));
  });

  it("replaces a table's FROM and JOIN references only, quoted or not", () => {
    const sql = `/* reads raw.visits */
select 'raw.visits' as label, v.* from raw."visits" v
join RAW.visits w using (user_id), raw.visits_old
where exists (select 1 from raw.visits)`;
    expect(replaceTableReferences(sql, ["raw", "visits"], "temp.rows")).toBe(`/* reads raw.visits */
select 'raw.visits' as label, v.* from temp.rows v
join temp.rows w using (user_id), raw.visits_old
where exists (select 1 from temp.rows)`);
  });
});
