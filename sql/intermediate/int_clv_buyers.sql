/*
description: >
  Per-buyer sufficient statistics of the CLV models (SPEC §3 mart_clv), time
  in days: int_clv_purchases with tenure_days = as_of_date − first purchase
  date, which moves every day for every buyer (so this table is rebuilt,
  from the compact per-buyer rows, not from the orders).
grain: one row per buyer
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  first_purchase_date: {description: as in int_clv_purchases, type: DATE, tests: [not_null]}
  last_purchase_date: {description: as in int_clv_purchases, type: DATE, tests: [not_null]}
  frequency: {description: as in int_clv_purchases, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  recency_days: {description: as in int_clv_purchases, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  tenure_days: {description: as_of_date − first purchase date, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  monetary_value: {description: as in int_clv_purchases, type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
tests:
  - expression:
      name: recency_within_tenure
      check: recency_days <= tenure_days and (frequency > 0 or recency_days = 0)
  - reconcile:
      name: one_row_per_buyer
      left: select count(*) from intermediate.int_clv_buyers
      right: select count(distinct user_id) from staging.stg_orders
*/
with

purchases as (
    select * from intermediate.int_clv_purchases
),

as_of as (
    select * from intermediate.int_data_as_of
),

final as (
    select
        purchases.user_id,
        purchases.first_purchase_date,
        purchases.last_purchase_date,
        purchases.frequency,
        purchases.recency_days,
        cast(as_of.as_of_date - purchases.first_purchase_date as integer) as tenure_days,
        purchases.monetary_value
    from purchases
    cross join as_of
)

select * from final
