import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { refreshAnalystDatabase } from "../../src/serve/analyst-database.ts";
import { queryCommand } from "../../src/serve/query-command.ts";
import { QueryError } from "../../src/serve/query-error.ts";
import { migrate } from "../../src/warehouse/migrate.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { createSpecMarts } from "../publish/fixtures/spec-marts.ts";
import { tempDir } from "../support/temp-dir.ts";

const dir = tempDir("query");
const analystPath = join(dir, "analyst.duckdb");
const localCsv = join(dir, "secret.csv");
const otherDatabase = join(dir, "other.duckdb");

beforeAll(async () => {
  const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
  try {
    await migrate(warehouse);
    await createSpecMarts(warehouse);
    await refreshAnalystDatabase(warehouse, analystPath, {
      runId: "r1",
      dataAsOf: "2018-05-31T23:59:10",
    });
  } finally {
    warehouse.close();
  }
  writeFileSync(localCsv, "password\nhunter2\n");
  (await Warehouse.open(otherDatabase)).close();
});

async function refusal(sql: string): Promise<QueryError> {
  const error = await queryCommand(sql, "table", analystPath).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, sql).toBeInstanceOf(QueryError);
  return error as QueryError;
}

describe("duckmart query", () => {
  it("prints an aligned table", async () => {
    expect(
      await queryCommand("select count(*) as buyers from mart_rfm", "table", analystPath),
    ).toBe("buyers\n------\n     3\n(1 row)\n");
    const text = await queryCommand(
      "select user_id, frequency, segment from mart_rfm order by frequency desc",
      "table",
      analystPath,
    );
    expect(text).toBe(
      [
        "user_id              | frequency | segment",
        "---------------------+-----------+------------",
        "u3                   |         6 | champions",
        "18446744073709551617 |         3 | hibernating",
        "u2                   |         1 | hibernating",
        "(3 rows)",
        "",
      ].join("\n"),
    );
  });

  it("prints CSV and JSON with exact values", async () => {
    const sql =
      "select month, avg_check, buyers, 'a,\"b\"' as quoted from mart_kpi_monthly order by month";
    expect(await queryCommand(sql, "csv", analystPath)).toBe(
      'month,avg_check,buyers,quoted\r\n2018-01-01,666.6666666666666,2,"a,""b"""\r\n2018-04-01,,0,"a,""b"""\r\n',
    );
    const json = await queryCommand(`${sql}`, "json", analystPath);
    expect(JSON.parse(json)).toEqual([
      { month: "2018-01-01", avg_check: 666.6666666666666, buyers: 2, quoted: 'a,"b"' },
      { month: "2018-04-01", avg_check: null, buyers: 0, quoted: 'a,"b"' },
    ]);
    // Integers beyond 2^53 keep every digit in the JSON text.
    expect(
      await queryCommand("select 18446744073709551617::hugeint as big", "json", analystPath),
    ).toBe('[\n{"big":18446744073709551617}\n]\n');
    expect(await queryCommand("select * from meta.snapshot", "json", analystPath)).toMatch(
      /"run_id":"r1","data_as_of":"2018-05-31 23:59:10"/,
    );
    expect(await queryCommand("select 1 as x where false", "json", analystPath)).toBe("[]\n");
  });

  it.each([
    ["drop table mart_rfm", /read-only/],
    ["insert into mart_rfm select * from mart_rfm", /read-only/],
    ["delete from meta.runs", /read-only/],
    ["create table t as select 1", /read-only/],
    ["select 1; drop table mart_rfm", /read-only/],
    [`copy mart_rfm to '${join(dir, "out.csv")}'`, /cannot read or write files/],
    [
      `copy (select 1) to '${join(dir, "out.parquet")}' (format parquet)`,
      /cannot read or write files/,
    ],
    [`attach '${otherDatabase}' as other`, /cannot read or write files/],
    [`select * from read_csv('${localCsv}')`, /cannot read or write files/],
    [`select * from '${localCsv}'`, /cannot read or write files/],
    ["install httpfs", /cannot read or write files/],
    ["set enable_external_access = true", /cannot change settings/],
    ["set memory_limit = '1GB'", /cannot change settings/],
  ])("refuses %s", async (sql, reason) => {
    const error = await refusal(sql);
    expect(error.refused).toBe(true);
    expect(error.message).toMatch(/^refused: duckmart query/);
    expect(error.message).toMatch(reason);
    expect(existsSync(join(dir, "out.csv"))).toBe(false);
    expect(existsSync(join(dir, "out.parquet"))).toBe(false);
    expect(await queryCommand("select count(*) as n from mart_rfm", "csv", analystPath)).toBe(
      "n\r\n3\r\n",
    );
  });

  it("reports a mistake in the SQL as a failure, not a refusal", async () => {
    const error = await refusal("select nope from mart_rfm");
    expect(error.refused).toBe(false);
    expect(error.message).toMatch(/^query failed: .*nope/);
  });

  it("explains a missing analyst database and an unknown format", async () => {
    await expect(queryCommand("select 1", "table", join(dir, "missing.duckdb"))).rejects.toThrow(
      /does not exist yet: it is created when `duckmart run` publishes/,
    );
    await expect(queryCommand("select 1", "xml", analystPath)).rejects.toThrow(
      /unknown format "xml"/,
    );
  });
});
