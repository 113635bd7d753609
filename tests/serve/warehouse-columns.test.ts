// Drift test for the Kysely table types (src/warehouse/kysely/): the column
// maps they derive from must match the tables the SQL really creates.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { settingsSchema } from "../../src/config/settings.ts";
import { refreshAnalystDatabase } from "../../src/serve/analyst-database.ts";
import { runTransforms } from "../../src/transform/run-transforms.ts";
import {
  analystColumns,
  martColumns,
  metaColumns,
  type TableColumns,
} from "../../src/warehouse/kysely/warehouse-columns.ts";
import { migrate } from "../../src/warehouse/migrate.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { createSpecMarts, specMartNames } from "../publish/fixtures/spec-marts.ts";
import { tempDir } from "../support/temp-dir.ts";
import { fixtureWarehouse } from "../support/warehouse.ts";

interface DescribedColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

/** Columns of every table in `schema` of the current database, in table order. */
async function describeSchema(
  warehouse: Warehouse,
  schema: string,
  tablePrefix = "",
): Promise<Record<string, DescribedColumn[]>> {
  const rows = await warehouse.all<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    `select table_name, column_name, data_type, is_nullable
       from information_schema.columns
      where table_catalog = current_database() and table_schema = $1 and starts_with(table_name, $2)
      order by table_name, ordinal_position`,
    [schema, tablePrefix],
  );
  const tables: Record<string, DescribedColumn[]> = {};
  for (const row of rows) {
    const key = schema === "main" ? row.table_name : `${schema}.${row.table_name}`;
    tables[key] ??= [];
    tables[key].push({
      name: row.column_name,
      type: row.data_type,
      nullable: row.is_nullable === "YES",
    });
  }
  return tables;
}

function expected(
  columns: TableColumns,
  withNullability: boolean,
): DescribedColumn[] | { name: string; type: string }[] {
  return Object.entries(columns).map(([name, spec]) =>
    withNullability
      ? { name, type: spec.type, nullable: spec.nullable }
      : { name, type: spec.type },
  );
}

function typesOnly(columns: readonly DescribedColumn[]): { name: string; type: string }[] {
  return columns.map(({ name, type }) => ({ name, type }));
}

describe("Kysely column maps", () => {
  it("match every metadata table the migrations create, with nullability", async () => {
    const warehouse = await fixtureWarehouse();
    try {
      const actual = await describeSchema(warehouse, "meta");
      // Same set of tables: a new migration table must be added to metaColumns.
      expect(Object.keys(actual).sort()).toEqual(Object.keys(metaColumns).sort());
      for (const [table, columns] of Object.entries(metaColumns)) {
        expect({ table, columns: actual[table] }).toEqual({
          table,
          columns: expected(columns, true),
        });
      }
    } finally {
      warehouse.close();
    }
  });

  it("match the SPEC §3 marts, column by column", async () => {
    const warehouse = await fixtureWarehouse();
    try {
      await createSpecMarts(warehouse);
      const actual = await describeSchema(warehouse, "main", "mart_");
      expect(Object.keys(martColumns).sort()).toEqual([...specMartNames]);
      for (const [table, columns] of Object.entries(martColumns)) {
        expect({ table, columns: typesOnly(actual[table] ?? []) }).toEqual({
          table,
          columns: expected(columns, false),
        });
      }
    } finally {
      warehouse.close();
    }
  });

  it("match the marts the transform step really builds", async () => {
    const warehouse = await fixtureWarehouse();
    try {
      // Empty raw tables are enough: the column types come from the SQL, not the data.
      const result = await runTransforms(warehouse, settingsSchema.parse({}), {
        runId: "drift-test",
      });
      const actual = await describeSchema(warehouse, "main", "mart_");
      const built = Object.keys(actual).sort();
      expect(
        built.length,
        `transform built no marts: ${JSON.stringify(result.failed)}`,
      ).toBeGreaterThan(0);
      for (const table of built) {
        const columns = martColumns[table as keyof typeof martColumns] as TableColumns | undefined;
        expect(columns, `${table} is built but has no entry in martColumns`).toBeDefined();
        expect({ table, columns: typesOnly(actual[table] ?? []) }).toEqual({
          table,
          columns: expected(columns ?? {}, false),
        });
      }
    } finally {
      warehouse.close();
    }
  });

  it("match the analyst database: every mart, every metadata table and meta.snapshot", async () => {
    const dir = tempDir("columns");
    const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    try {
      await migrate(warehouse);
      await createSpecMarts(warehouse);
      await refreshAnalystDatabase(warehouse, join(dir, "analyst.duckdb"), { runId: "r1" });
    } finally {
      warehouse.close();
    }
    const analyst = await Warehouse.open(join(dir, "analyst.duckdb"), { readOnly: true });
    try {
      const actual = {
        ...(await describeSchema(analyst, "main")),
        ...(await describeSchema(analyst, "meta")),
      };
      const all: Record<string, TableColumns> = {
        ...martColumns,
        ...metaColumns,
        ...analystColumns,
      };
      expect(Object.keys(actual).sort()).toEqual(Object.keys(all).sort());
      for (const [table, columns] of Object.entries(all)) {
        expect({ table, columns: typesOnly(actual[table] ?? []) }).toEqual({
          table,
          columns: expected(columns, false),
        });
      }
    } finally {
      analyst.close();
    }
  });
});
