// mart_value_at_risk (SPEC §3): buyers with m_score ≥ 4 and P(alive) below
// riskPAlive, ranked by the gross profit their past pace would bring over
// the CLV horizon, weighted by the chance they are gone. P(alive) and
// predicted CLV come from mart_clv (the BG/NBD fit is checked in tests/clv);
// everything else is the reference's own.
import type { MartRow } from "./columns.ts";
import type { Model } from "./definitions.ts";
import { compareText, dayOf } from "./time.ts";

/** The mart_clv values a buyer's risk depends on. */
export interface ClvScore {
  readonly pAlive: number;
  readonly predictedClv: number | null;
}

export function valueAtRisk(
  model: Model,
  rfmRows: readonly MartRow[],
  clv: ReadonlyMap<string, ClvScore>,
): MartRow[] {
  const threshold = model.settings.riskPAlive ?? 0.5;
  const horizon = model.settings.clvHorizonDays ?? 90;
  const rows: MartRow[] = [];
  for (const rfm of rfmRows) {
    const userId = rfm.user_id as string;
    const score = clv.get(userId);
    const buyer = model.buyers.get(userId);
    if (score === undefined || buyer === undefined) continue;
    if ((rfm.m_score as number) < 4 || !(score.pAlive < threshold)) continue;
    const grossProfit = buyer.revenueTotal * model.settings.margin;
    // tenure_days = as_of_date − first purchase date (SPEC §3 mart_clv).
    const tenure = (model.asOfDay as number) - dayOf(buyer.first.createdAt);
    const churnRisk = 1 - score.pAlive;
    rows.push({
      user_id: userId,
      segment: rfm.segment as string,
      r_score: rfm.r_score as number,
      f_score: rfm.f_score as number,
      m_score: rfm.m_score as number,
      orders_count: buyer.orders.length,
      gross_profit_total: grossProfit,
      days_since_last_order: rfm.recency_days as number,
      p_alive: score.pAlive,
      churn_risk: churnRisk,
      predicted_clv: score.predictedClv,
      value_at_risk: ((churnRisk * grossProfit) / Math.max(tenure, 1)) * horizon,
      risk_rank: 0,
    });
  }
  rows.sort(
    (a, b) =>
      (b.value_at_risk as number) - (a.value_at_risk as number) ||
      compareText(a.user_id as string, b.user_id as string),
  );
  return rows.map((row, i) => ({ ...row, risk_rank: i + 1 }));
}
