// The reference implementation of SPEC §1 staging and the §3 marts (all but
// mart_clv and mart_clv_model), written from the SPEC text alone, in plain
// TypeScript over arrays, to check the SQL models against. Two marts rest
// on fits that have no unique answer to recompute: mart_value_at_risk takes
// P(alive) and predicted CLV from the SQL's mart_clv, and the cluster marts
// take the SQL's clusters and check what a correct k-means implies.
import { activity, activitySummary } from "./activity.ts";
import { cac, romi } from "./cac.ts";
import { type ClusterCheck, clusters } from "./clusters.ts";
import type { MartName, MartRow } from "./columns.ts";
import { conversion } from "./conversion.ts";
import { buildModel, type Model } from "./definitions.ts";
import { kpiMonthly } from "./kpi-monthly.ts";
import { ltv } from "./ltv.ts";
import { retention } from "./retention.ts";
import { returnRates } from "./return-rates.ts";
import { rfm } from "./rfm.ts";
import { type RawData, type ReferenceSettings, type Staged, stage } from "./staging.ts";
import { userProfile } from "./user-profile.ts";
import { type ClvScore, valueAtRisk } from "./value-at-risk.ts";

/** What the reference takes from the SQL side: the CLV scores and the chosen clusters. */
export interface SqlFits {
  readonly clv: ReadonlyMap<string, ClvScore>;
  readonly clusters: ReadonlyMap<string, number>;
}

export interface Reference {
  readonly staged: Staged;
  readonly model: Model;
  readonly marts: Readonly<Record<MartName, MartRow[]>>;
  /** k, inertia and numbering checks of the cluster marts. */
  readonly clusterCheck: ClusterCheck;
}

export function reference(raw: RawData, settings: ReferenceSettings, fits: SqlFits): Reference {
  const staged = stage(raw, settings);
  const model = buildModel(staged, settings);
  const rfmRows = rfm(model);
  const clusterCheck = clusters(
    rfmRows.map((row) => ({
      userId: row.user_id as string,
      recencyDays: row.recency_days as number,
      frequency: row.frequency as number,
      monetary: row.monetary as number,
    })),
    fits.clusters,
    settings.maxClusters ?? 6,
  );
  return {
    staged,
    model,
    clusterCheck,
    marts: {
      mart_user_profile: userProfile(model),
      mart_return_rates: returnRates(model),
      mart_activity: activity(model),
      mart_activity_summary: activitySummary(model),
      mart_retention: retention(model),
      mart_ltv: ltv(model),
      mart_cac: cac(model),
      mart_romi: romi(model),
      mart_kpi_monthly: kpiMonthly(model),
      mart_rfm: rfmRows,
      mart_conversion: conversion(model),
      mart_value_at_risk: valueAtRisk(model, rfmRows, fits.clv),
      mart_clusters: clusterCheck.clusters,
      mart_cluster_summary: clusterCheck.summary,
    },
  };
}
