/*
description: >
  The BG/NBD fit input (SPEC §3 mart_clv_model): buyers grouped by their
  (frequency, recency_days, tenure_days) triple, so that fitting costs one
  likelihood term per distinct triple instead of one per buyer. Ordered by
  the triple: the fit sums in this order, and a fixed order keeps its
  result equal from run to run (SPEC §5).
grain: one row per distinct (frequency, recency_days, tenure_days) of int_clv_buyers
columns:
  frequency: {description: repeat purchase dates, type: BIGINT, tests: [not_null]}
  recency_days: {description: last purchase date − first, type: INTEGER, tests: [not_null]}
  tenure_days: {description: as_of_date − first purchase date, type: INTEGER, tests: [not_null]}
  customers: {description: buyers with this triple, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
tests:
  - unique: {columns: [frequency, recency_days, tenure_days]}
  - reconcile:
      name: customers_are_buyers
      left: select coalesce(sum(customers), 0) from intermediate.int_clv_triples
      right: select count(*) from intermediate.int_clv_buyers
*/
with

buyers as (
    select * from intermediate.int_clv_buyers
),

final as (
    select
        frequency,
        recency_days,
        tenure_days,
        count(*) as customers
    from buyers
    group by frequency, recency_days, tenure_days
)

select * from final
order by frequency, recency_days, tenure_days
