import { Warehouse } from "./src/warehouse/warehouse.ts";
import { loadProject } from "./src/transform/project.ts";
import { compileDataTests } from "./src/quality/compile-data-tests.ts";
import { batchDataTests } from "./src/quality/data-test-batch.ts";
const w = await Warehouse.open("/tmp/prof3m/warehouse.bak.duckdb", { memoryLimit: "4GB", readOnly: true } as never);
const project = await loadProject({});
const tests = compileDataTests(project, (process.argv[2] ?? "stg_visits").split(","));
for (const t of tests) {
  const s = performance.now();
  await w.all(t.screenSql ?? t.sql);
  console.log(((performance.now() - s) / 1000).toFixed(2), t.name, t.kind);
}
for (const b of batchDataTests(tests)) {
  const s = performance.now();
  await w.all(b.sql);
  console.log(((performance.now() - s) / 1000).toFixed(2), "batch", b.model);
}
w.close();
