import { beforeAll, describe, expect, it } from "vitest";
import { codeModels } from "../../src/transform/code-models/index.ts";
import { loadProject, type Project } from "../../src/transform/project.ts";
import { martColumns } from "../../src/warehouse/kysely/warehouse-columns.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { duckdbTypeOfKind, martSpecs } from "../conformance/reference/columns.ts";
import { buildAll, fixtureWarehouse } from "../transform/fixture-warehouse.ts";

// One contract per model: its columns' names, types and descriptions are
// declared once, in the model's header (a code model's metadata, a source's
// declaration for generated staging). The built tables, the Kysely column map
// and the conformance reference's independent SPEC §3 lists are held against
// that one declaration here, so none of them can drift unnoticed.

let warehouse: Warehouse;
let project: Project;

beforeAll(async () => {
  // Empty raw tables are enough: the types come from the queries.
  warehouse = await fixtureWarehouse();
  project = await loadProject({ codeModels });
  await buildAll(warehouse, undefined, { project });
});

const declared = (name: string) =>
  (project.models.get(name)?.metadata.columns ?? []).map((c) => [c.name, c.type]);

describe("model contracts", () => {
  it("every model declares each of its columns with a type", () => {
    for (const model of project.models.values()) {
      expect(model.metadata.columns.length, model.name).toBeGreaterThan(0);
      const untyped = model.metadata.columns.filter((c) => c.type === undefined);
      expect(
        untyped.map((c) => c.name),
        model.name,
      ).toEqual([]);
    }
  });

  it("every built model has exactly its declared columns, in order, with their types", async () => {
    for (const model of project.models.values()) {
      const rows = await warehouse.all<{ column_name: string; data_type: string }>(
        "select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position",
        [model.schema, model.name],
      );
      expect(
        rows.map((row) => [row.column_name, row.data_type]),
        model.name,
      ).toEqual(declared(model.name));
    }
  });

  it("the marts in main are the project's mart models, SPEC §3's among them, all tables", async () => {
    const rows = await warehouse.all<{ table_name: string; table_type: string }>(
      "select table_name, table_type from information_schema.tables where table_schema = 'main' and table_name like 'mart_%' order by table_name",
    );
    const marts = [...project.models.values()]
      .filter((model) => model.schema === "main" && model.name.startsWith("mart_"))
      .map((model) => model.name)
      .sort();
    expect(rows.map((row) => row.table_name)).toEqual(marts);
    expect(marts).toEqual(expect.arrayContaining(Object.keys(martSpecs)));
    expect(new Set(rows.map((row) => row.table_type))).toEqual(new Set(["BASE TABLE"]));
  });

  for (const [mart, spec] of Object.entries(martSpecs)) {
    it(`${mart}: the header declares the conformance reference's SPEC columns and types`, () => {
      expect(declared(mart)).toEqual(
        spec.columns.map(([name, kind]) => [name, duckdbTypeOfKind[kind]]),
      );
    });
  }

  it("the Kysely column map types every mart as its header declares it", () => {
    const marts = [...project.models.values()].filter(
      (model) => model.schema === "main" && model.name.startsWith("mart_"),
    );
    expect(Object.keys(martColumns).sort()).toEqual(marts.map((m) => m.name).sort());
    for (const model of marts) {
      const columns = martColumns[model.name as keyof typeof martColumns];
      expect(
        Object.entries(columns).map(([name, spec]) => [name, spec.type]),
        model.name,
      ).toEqual(declared(model.name));
    }
  });

  it("the cluster marts are empty without buyers", async () => {
    expect(await warehouse.all("select count(*) as n from mart_cluster_summary")).toEqual([
      { n: 0 },
    ]);
    expect(await warehouse.all("select count(*) as n from mart_clusters")).toEqual([{ n: 0 }]);
  });

  it("mart_activity_summary has its one row even without data", async () => {
    expect(await warehouse.all("select count(*) as n from mart_activity_summary")).toEqual([
      { n: 1 },
    ]);
  });
});
