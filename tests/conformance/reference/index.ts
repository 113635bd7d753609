// The reference implementation of SPEC §1 staging and the §3 marts (all but
// mart_clv and mart_clv_model), written from the SPEC text alone, in plain
// TypeScript over arrays, to check the SQL models against.
import { activity, activitySummary } from "./activity.ts";
import { cac, romi } from "./cac.ts";
import type { MartName, MartRow } from "./columns.ts";
import { buildModel, type Model } from "./definitions.ts";
import { kpiMonthly } from "./kpi-monthly.ts";
import { ltv } from "./ltv.ts";
import { retention } from "./retention.ts";
import { returnRates } from "./return-rates.ts";
import { rfm } from "./rfm.ts";
import { type RawData, type ReferenceSettings, type Staged, stage } from "./staging.ts";
import { userProfile } from "./user-profile.ts";

export interface Reference {
  readonly staged: Staged;
  readonly model: Model;
  readonly marts: Readonly<Record<MartName, MartRow[]>>;
}

export function reference(raw: RawData, settings: ReferenceSettings): Reference {
  const staged = stage(raw, settings);
  const model = buildModel(staged, settings);
  return {
    staged,
    model,
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
      mart_rfm: rfm(model),
    },
  };
}
