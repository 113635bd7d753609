import { beforeAll, describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../src/transform/project.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse } from "../transform/fixture-warehouse.ts";

// House rules for the SQL project (STYLE: jaffle-shop layout, one model per
// file, metadata in the header) checked on the real sql/ folder.

let project: Project;
let warehouse: Warehouse;

beforeAll(async () => {
  project = await loadProject();
  warehouse = await fixtureWarehouse();
  await buildAll(warehouse);
});

/** The query text without the header comment, line comments and string literals. */
function codeOf(sql: string): string {
  return sql
    .replace(/^\s*\/\*[\s\S]*?\*\//, "")
    .replace(/--.*$/gm, "")
    .replace(/'(?:[^']|'')*'/g, "''");
}

describe("the SQL project", () => {
  it("names models by layer: stg_ in staging, int_ in intermediate, mart_ in main", () => {
    for (const model of project.models.values()) {
      // Code models have no folder: their schema tells the layer.
      const layer = model.type === "code" ? model.schema : model.layer;
      const prefix = { staging: "stg_", intermediate: "int_", marts: "mart_", main: "mart_" }[
        layer
      ];
      expect(model.name.startsWith(prefix as string), model.name).toBe(true);
    }
  });

  it("documents exactly the columns each model produces, in order", async () => {
    for (const model of project.models.values()) {
      const [schema, name] = model.relation.split(".") as [string, string];
      const columns = await warehouse.all<{ column_name: string }>(
        "select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position",
        [schema, name],
      );
      expect(
        model.metadata.columns.map((column) => column.name),
        `${model.relation} header columns`,
      ).toEqual(columns.map((row) => row.column_name));
    }
  });

  it("ends every model with `select * from final` and keeps keywords lowercase", () => {
    for (const model of project.models.values()) {
      if (model.type !== "sql") continue;
      const code = codeOf(model.sql);
      expect(code.trim(), model.name).toMatch(/select \* from final(\norder by [a-z_, ]+)?$/);
      expect(code, model.name).not.toMatch(
        /\b(SELECT|FROM|WHERE|JOIN|GROUP BY|ORDER BY|WITH|AS|CASE|WHEN)\b/,
      );
    }
  });

  it("reads raw tables only in the staging layer", () => {
    for (const model of project.models.values()) {
      if (model.sources.length > 0) expect(model.layer, model.name).toBe("staging");
    }
  });
});
