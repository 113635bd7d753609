import { Warehouse } from "./src/warehouse/warehouse.ts";
import { codeModels } from "./src/transform/code-models/index.ts";
import { createLogger } from "./src/log/logger.ts";
import { settingsSchema } from "./src/config/settings.ts";
const w = await Warehouse.open("/tmp/prof3m/warehouse.duckdb", { memoryLimit: "4GB" } as never);
const model = codeModels.find((m) => m.name === "int_cluster_centres")!;
const settings = settingsSchema.parse({});
const logger = createLogger({ level: "info" } as never);
for (let i = 0; i < 2; i++) {
await w.transaction(async (session) => {
  const run0 = session.run.bind(session);
  session.run = async (sql: string, p?: never) => { const s = performance.now(); const r = await run0(sql, p); console.log(((performance.now() - s) / 1000).toFixed(2), sql.replace(/\s+/g, " ").slice(0, 90)); return r; };
  const s = performance.now();
  await model.build({ session, relation: "intermediate.int_cluster_centres", settings, runId: "x", logger } as never);
  console.log("total", (performance.now() - s) / 1000);
});
}
w.close();
