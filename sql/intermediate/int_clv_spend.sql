/*
description: >
  The Gamma-Gamma fit input (SPEC §3 mart_clv_model): repeat buyers with
  positive spend (frequency > 0 and monetary_value > 0; real exports hold
  zero-revenue orders and the model needs positive spend), grouped by their
  (frequency, monetary_value) pair and ordered by it, so that the fit sums
  in a fixed order (SPEC §5).
grain: one row per distinct (frequency, monetary_value) of repeat buyers with positive spend
columns:
  frequency: {description: repeat purchase dates, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  monetary_value: {description: mean revenue of the repeat purchase dates, type: DOUBLE, tests: [not_null]}
  customers: {description: buyers with this pair, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
tests:
  - unique: {columns: [frequency, monetary_value]}
  - expression: {name: positive_spend, check: monetary_value > 0}
*/
with

buyers as (
    select * from intermediate.int_clv_buyers
),

-- §3: Gamma-Gamma is fitted on buyers with frequency > 0 and monetary_value > 0 only
repeat_buyers as (
    select * from buyers
    where frequency > 0 and monetary_value > 0
),

final as (
    select
        frequency,
        monetary_value,
        count(*) as customers
    from repeat_buyers
    group by frequency, monetary_value
)

select * from final
order by frequency, monetary_value
