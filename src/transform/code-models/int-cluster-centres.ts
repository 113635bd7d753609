import { type ClusterFit, fitClusters } from "../../cluster/fit-clusters.ts";
import type { CodeModelDefinition } from "../model.ts";
import { parseTestDeclarations } from "../test-declarations.ts";
import { numberListParameter } from "./number-list-parameter.ts";

/**
 * Bump when `src/cluster` changes what it returns, so that the next run
 * refits (and mart_clusters, downstream, is rebuilt).
 */
const clusterCodeVersion = "kmeans-3";

/** Fewer buyers than this: no clustering (SPEC §3: both marts are empty). */
const minimumBuyers = 3;

/**
 * Distinct feature vectors the fit reads at most. Beyond, it reads every
 * m-th in feature order (weights kept), an even spread whose centres land
 * within a hair of the full data's (the bench: +0.00001 % inertia at 1M
 * buyers); every buyer is still assigned, in SQL, to its nearest centre.
 * Reading a million rows into JavaScript cost more than the fit itself.
 */
const maxFitPoints = 250_000;

/**
 * `int_cluster_centres`: the k-means fit behind `mart_clusters` and
 * `mart_cluster_summary` (SPEC §3). The standardised features of
 * `int_cluster_features` are read as distinct points weighted by their
 * buyers, so the fit costs O(distinct feature vectors); k runs over
 * 2..`maxClusters` and the largest mean silhouette on the sampled buyers
 * wins. One row per cluster, numbered 1..k by ascending mean monetary, with
 * its centre, so that SQL assigns every buyer to its nearest centre.
 * Beyond `maxFitPoints` distinct vectors the fit reads an even sample of
 * them; `inertia` is always computed over every buyer, in SQL.
 */
export const intClusterCentres: CodeModelDefinition = {
  name: "int_cluster_centres",
  schema: "intermediate",
  parents: ["int_cluster_features"],
  settings: ["maxClusters"],
  codeVersion: clusterCodeVersion,
  metadata: {
    description:
      "The k-means fit of the buyers' standardised log RFM features (SPEC §3 mart_clusters): k chosen in 2..maxClusters by the largest mean silhouette on the sampled buyers, clusters numbered by ascending mean monetary; one row per cluster with its centre. No rows with fewer than 3 buyers.",
    grain: "one row per cluster",
    columns: [
      {
        name: "cluster",
        type: "INTEGER",
        description: "1..k by ascending mean monetary of the members",
      },
      { name: "k", type: "INTEGER", description: "number of clusters chosen" },
      {
        name: "centre_recency",
        type: "DOUBLE",
        description: "centre's standardised ln(1 + recency_days)",
      },
      {
        name: "centre_frequency",
        type: "DOUBLE",
        description: "centre's standardised ln(1 + frequency)",
      },
      {
        name: "centre_monetary",
        type: "DOUBLE",
        description: "centre's standardised ln(1 + monetary)",
      },
      { name: "sampled_members", type: "BIGINT", description: "sampled buyers in the cluster" },
      {
        name: "silhouette",
        type: "DOUBLE",
        description: "mean silhouette of the cluster's sampled members; null when none was sampled",
      },
      {
        name: "mean_silhouette",
        type: "DOUBLE",
        description: "mean silhouette over the whole sample",
      },
      {
        name: "inertia",
        type: "DOUBLE",
        description: "sum of squared distances of every buyer to its nearest centre",
      },
      {
        name: "candidates",
        type: "VARCHAR",
        description:
          "JSON list of every k tried with its mean silhouette and its inertia over the points fitted (all distinct feature vectors up to 250,000, an even sample of them beyond)",
      },
    ],
    tests: [
      ...parseTestDeclarations(["unique", "not_null"], "cluster"),
      ...parseTestDeclarations(["not_null", { range: { min: 1 } }], "k"),
      ...parseTestDeclarations([{ range: { min: -1, max: 1 } }], "silhouette"),
      ...parseTestDeclarations([
        {
          expression: {
            name: "clusters_are_numbered_1_to_k",
            check: "cluster between 1 and k",
          },
        },
      ]),
    ],
  },
  async build({ session, relation, settings, logger }) {
    await session.run(
      `create or replace table ${relation} (
         cluster integer, k integer, centre_recency double, centre_frequency double,
         centre_monetary double, sampled_members bigint, silhouette double,
         mean_silhouette double, inertia double, candidates varchar)`,
    );
    const [count] = await session.all<{ buyers: number }>(
      "select cast(count(*) as double) as buyers from intermediate.int_cluster_features",
    );
    if ((count?.buyers ?? 0) < minimumBuyers) return;

    const started = performance.now();
    const [distinct] = await session.all<{ points: number }>(
      `select cast(count(*) as double) as points from (
         select distinct z_recency, z_frequency, z_monetary, monetary
           from intermediate.int_cluster_features)`,
    );
    const step = Math.max(1, Math.ceil((distinct?.points ?? 0) / maxFitPoints));
    // Ordered: the fit's sums run in this order, and float sums depend on it (SPEC §5).
    const points = await session.numberColumns(
      `with grouped as (
           select z_recency, z_frequency, z_monetary, monetary, cast(count(*) as double) as weight
             from intermediate.int_cluster_features
            group by all
       ),
       numbered as (
           select *, row_number() over (order by z_recency, z_frequency, z_monetary, monetary) as n
             from grouped
       )
       select z_recency, z_frequency, z_monetary, monetary, weight
         from numbered
        where (n - 1) % ${step} = 0
        order by n`,
      ["z_recency", "z_frequency", "z_monetary", "monetary", "weight"],
    );
    const sample = await session.numberColumns(
      `select z_recency, z_frequency, z_monetary
         from intermediate.int_cluster_features
        where in_sample
        order by user_id`,
      ["z_recency", "z_frequency", "z_monetary"],
    );
    const readSeconds = (performance.now() - started) / 1000;
    const fit = fitClusters({
      points: {
        dimensions: 3,
        coordinates: interleave([points.z_recency, points.z_frequency, points.z_monetary]),
        weights: points.weight,
      },
      monetary: points.monetary,
      sample: interleave([sample.z_recency, sample.z_frequency, sample.z_monetary]),
      maxClusters: settings.maxClusters,
    });
    if (fit === null) {
      logger.warn({ buyers: count?.buyers }, "k-means skipped: every buyer has the same features");
      return;
    }
    await writeCentres(session, relation, fit);
    // Inertia over every buyer, each at its nearest centre (as mart_clusters assigns them).
    await session.run(
      `update ${relation} set inertia = (
         select fsum(squared_distance order by squared_distance) from (
           select min(
               (f.z_recency - c.centre_recency) * (f.z_recency - c.centre_recency)
               + (f.z_frequency - c.centre_frequency) * (f.z_frequency - c.centre_frequency)
               + (f.z_monetary - c.centre_monetary) * (f.z_monetary - c.centre_monetary)
           ) as squared_distance
           from intermediate.int_cluster_features as f
           cross join ${relation} as c
           group by f.user_id))`,
    );
    const [written] = await session.all<{ inertia: number }>(
      `select max(inertia) as inertia from ${relation}`,
    );
    logger.info(
      {
        k: fit.k,
        silhouette: fit.silhouette,
        inertia: written?.inertia,
        points: points.weight.length,
        distinctPoints: distinct?.points,
        readMs: Math.round(readSeconds * 1000),
        ms: Math.round(performance.now() - started),
        candidates: fit.candidates.map((c) => `${c.k}:${c.silhouette.toFixed(4)}`).join(" "),
      },
      "k-means fitted",
    );
  },
};

async function writeCentres(
  session: Parameters<CodeModelDefinition["build"]>[0]["session"],
  relation: string,
  fit: ClusterFit,
): Promise<void> {
  const column = (t: number) => {
    const values = new Float64Array(fit.k);
    for (let c = 0; c < fit.k; c++) values[c] = fit.centres[c * 3 + t] as number;
    return numberListParameter(values);
  };
  const candidates = JSON.stringify(
    fit.candidates.map(({ k, inertia, silhouette }) => ({ k, inertia, silhouette })),
  );
  await session.run(
    `insert into ${relation}
     select
         cast(unnest(generate_series(1, cast($6 as integer))) as integer) as cluster,
         cast($6 as integer) as k,
         cast(unnest(string_split($1, ',')) as double) as centre_recency,
         cast(unnest(string_split($2, ',')) as double) as centre_frequency,
         cast(unnest(string_split($3, ',')) as double) as centre_monetary,
         cast(unnest(string_split($4, ',')) as bigint) as sampled_members,
         cast(nullif(unnest(string_split($5, ',')), '') as double) as silhouette,
         cast($7 as double) as mean_silhouette,
         cast($8 as double) as inertia,
         cast($9 as varchar) as candidates`,
    [
      column(0),
      column(1),
      column(2),
      numberListParameter(fit.sampledMembers),
      numberListParameter(fit.clusterSilhouettes),
      fit.k,
      Number.isFinite(fit.silhouette) ? fit.silhouette : null,
      fit.inertia,
      candidates,
    ],
  );
}

/** Column arrays of equal length as one row-major array. */
function interleave(columns: readonly Float64Array[]): Float64Array {
  const d = columns.length;
  const n = columns[0]?.length ?? 0;
  const out = new Float64Array(n * d);
  for (let t = 0; t < d; t++) {
    const column = columns[t] as Float64Array;
    for (let i = 0; i < n; i++) out[i * d + t] = column[i] as number;
  }
  return out;
}
