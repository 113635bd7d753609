/*
description: >
  Valuable buyers who are slipping away (SPEC §3 mart_value_at_risk): buyers
  with m_score ≥ 4 whose P(alive) is below the riskPAlive setting, with the
  gross profit their past pace would bring over the CLV horizon, weighted by
  the chance they are gone: value_at_risk = (1 − p_alive) ×
  gross_profit_total / greatest(tenure_days, 1) × clvHorizonDays.
grain: one row per buyer with m_score ≥ 4 and p_alive < riskPAlive
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  segment: {description: RFM segment (mart_rfm), type: VARCHAR, tests: [not_null]}
  r_score: {description: recency score (mart_rfm), type: INTEGER, tests: [not_null, {range: {min: 1, max: 5}}]}
  f_score: {description: frequency score (mart_rfm), type: INTEGER, tests: [not_null, {range: {min: 1, max: 5}}]}
  m_score: {description: "monetary score (mart_rfm), 4 or 5", type: INTEGER, tests: [not_null, {range: {min: 4, max: 5}}]}
  orders_count: {description: staged orders of the buyer, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  gross_profit_total: {description: revenue_total × margin, type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
  days_since_last_order: {description: as_of_date − date of the last order, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  p_alive: {description: BG/NBD probability that the buyer is still active (mart_clv), type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  churn_risk: {description: 1 − p_alive, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  predicted_clv: {description: predicted CLV over the horizon (mart_clv), type: DOUBLE}
  value_at_risk: {description: "churn_risk × gross_profit_total / greatest(tenure_days, 1) × clvHorizonDays", type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
  risk_rank: {description: "1 = largest value_at_risk; ties: smallest user_id", type: INTEGER, tests: [unique, not_null, {range: {min: 1}}]}
tests:
  - relationships: {column: user_id, to: mart_rfm, field: user_id}
  - expression:
      name: churn_risk_is_one_minus_p_alive
      check: abs(churn_risk - (1 - p_alive)) < 1e-12 and p_alive < 1
  - reconcile:
      name: ranks_are_dense
      left: select coalesce(max(risk_rank), 0) from main.mart_value_at_risk
      right: select count(*) from main.mart_value_at_risk
*/
with

rfm as (
    select * from mart_rfm
),

profiles as (
    select * from mart_user_profile
),

clv as (
    select * from mart_clv
),

-- §3: valuable (m_score ≥ 4) and probably gone (p_alive < riskPAlive)
at_risk as (
    select
        rfm.user_id,
        rfm.segment,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        profiles.orders_count,
        profiles.revenue_total * getvariable('margin') as gross_profit_total,
        profiles.days_since_last_order,
        clv.p_alive,
        1 - clv.p_alive as churn_risk,
        clv.predicted_clv,
        clv.tenure_days
    from rfm
    inner join profiles
        on rfm.user_id = profiles.user_id
    inner join clv
        on rfm.user_id = clv.user_id
    where rfm.m_score >= 4 and clv.p_alive < getvariable('risk_p_alive')
),

-- §3: the gross profit of the buyer's past pace over the horizon, weighted by the chance they are gone
valued as (
    select
        *,
        churn_risk * gross_profit_total / greatest(tenure_days, 1) * getvariable('clv_horizon_days')
            as value_at_risk
    from at_risk
),

final as (
    select
        cast(user_id as varchar) as user_id,
        cast(segment as varchar) as segment,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        cast(orders_count as bigint) as orders_count,
        cast(gross_profit_total as double) as gross_profit_total,
        cast(days_since_last_order as integer) as days_since_last_order,
        cast(p_alive as double) as p_alive,
        cast(churn_risk as double) as churn_risk,
        cast(predicted_clv as double) as predicted_clv,
        cast(value_at_risk as double) as value_at_risk,
        cast(row_number() over (order by value_at_risk desc, user_id) as integer) as risk_rank
    from valued
)

select * from final
order by risk_rank
