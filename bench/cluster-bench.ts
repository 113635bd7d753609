/**
 * k-means benchmark (issue 15: mart_clusters at warehouse scale). A
 * synthetic `main.mart_rfm` of `--buyers` buyers (recency uniform over two
 * years, a geometric number of orders, log-normal spend per order in
 * kopecks) goes into a fresh in-memory warehouse; then the real models run
 * in order: `int_cluster_features` (SQL), `int_cluster_centres` (the
 * TypeScript fit), `mart_clusters` and `mart_cluster_summary` (SQL). With
 * `--reference`, the chosen k is also fitted by plain k-means++ with 10
 * restarts on all points (what scikit-learn's KMeans(n_init=10) does), to
 * compare the inertia.
 *
 * `npx tsx bench/cluster-bench.ts [--buyers N] [--reference]`. Results also
 * go to bench/results/clusters-<time>.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { kMeans } from "../src/cluster/kmeans.ts";
import { settingsSchema } from "../src/config/settings.ts";
import { silentLogger } from "../src/log/logger.ts";
import { intClusterCentres } from "../src/transform/code-models/int-cluster-centres.ts";
import { sqlRoot } from "../src/warehouse/sql-root.ts";
import { Warehouse } from "../src/warehouse/warehouse.ts";

const { values } = parseArgs({
  options: {
    buyers: { type: "string", default: "1000000" },
    reference: { type: "boolean", default: false },
  },
});
const buyers = Number(values.buyers);
const since = (started: number) => (performance.now() - started) / 1000;

const warehouse = await Warehouse.open(":memory:");
try {
  let started = performance.now();
  await warehouse.run("create schema if not exists intermediate");
  await warehouse.run("select setseed(0.15)");
  await warehouse.run(
    `create table main.mart_rfm as
     with draws as (
         select
             i,
             random() as u1, random() as u2, random() as u3, random() as u4
         from range(${buyers}) as t (i)
     )
     select
         'u' || lpad(cast(i as varchar), 8, '0') as user_id,
         cast(floor(u1 * 730) as integer) as recency_days,
         cast(1 + floor(-ln(1 - u2) * 1.2) as bigint) as frequency,
         round(
             (1 + floor(-ln(1 - u2) * 1.2))
             * exp(6.5 + 0.9 * sqrt(-2 * ln(1 - u3)) * cos(2 * pi() * u4)),
             2
         ) as monetary
     from draws`,
  );
  const simulateSeconds = since(started);

  const model = (layer: string, name: string) =>
    readFileSync(`${sqlRoot}/${layer}/${name}.sql`, "utf8");
  started = performance.now();
  await warehouse.run(
    `create or replace table intermediate.int_cluster_features as ${model("intermediate", "int_cluster_features")}`,
  );
  const featuresSeconds = since(started);

  started = performance.now();
  await intClusterCentres.build({
    session: warehouse,
    relation: "intermediate.int_cluster_centres",
    settings: settingsSchema.parse({}),
    runId: "cluster-bench",
    logger: silentLogger(),
  });
  const fitSeconds = since(started);

  started = performance.now();
  await warehouse.run(
    `create or replace table main.mart_clusters as ${model("marts", "mart_clusters")}`,
  );
  await warehouse.run(
    `create or replace table main.mart_cluster_summary as ${model("marts", "mart_cluster_summary")}`,
  );
  const assignSeconds = since(started);

  const [fit] = await warehouse.all<Record<string, unknown>>(
    "select k, mean_silhouette, inertia, candidates from intermediate.int_cluster_centres limit 1",
  );
  const [points] = await warehouse.all<{ n: number }>(
    "select cast(count(*) as double) as n from (select distinct z_recency, z_frequency, z_monetary from intermediate.int_cluster_features)",
  );
  const summary = await warehouse.all(
    "select cluster, buyers, round(mean_recency_days, 1) as recency, round(mean_frequency, 2) as frequency, round(mean_monetary, 0) as monetary, round(silhouette, 3) as silhouette, label from main.mart_cluster_summary order by cluster",
  );

  let reference: { inertia: number; seconds: number } | null = null;
  if (values.reference) {
    started = performance.now();
    const columns = await warehouse.numberColumns(
      `select z_recency, z_frequency, z_monetary, cast(count(*) as double) as weight
         from intermediate.int_cluster_features group by all order by all`,
      ["z_recency", "z_frequency", "z_monetary", "weight"],
    );
    const n = columns.weight.length;
    const coordinates = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      coordinates[i * 3] = columns.z_recency[i] as number;
      coordinates[i * 3 + 1] = columns.z_frequency[i] as number;
      coordinates[i * 3 + 2] = columns.z_monetary[i] as number;
    }
    const full = kMeans({ dimensions: 3, coordinates, weights: columns.weight }, Number(fit?.k), {
      restarts: 10,
      seed: 99,
    });
    reference = { inertia: full.inertia, seconds: since(started) };
  }

  const result = {
    buyers,
    distinctPoints: points?.n,
    cpus: cpus().length,
    k: fit?.k,
    silhouette: fit?.mean_silhouette,
    inertia: fit?.inertia,
    candidates: JSON.parse(String(fit?.candidates)),
    reference,
    inertiaVsReference: reference === null ? null : Number(fit?.inertia) / reference.inertia - 1,
    seconds: {
      simulate: simulateSeconds,
      features: featuresSeconds,
      fit: fitSeconds,
      assignAndSummary: assignSeconds,
      models: featuresSeconds + fitSeconds + assignSeconds,
    },
    summary,
  };
  const file = `bench/results/clusters-${buyers}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${file}`);
} finally {
  warehouse.close();
}
