/*
description: >
  Per-buyer purchase statistics of the CLV models (SPEC §3 mart_clv), time
  in days, without the as-of date: int_clv_buyers adds tenure_days. A
  buyer's row depends only on its own orders, so a new day merges the
  buyers it touches instead of regrouping every order. Purchases on the
  same date are one purchase, worth the revenue of that date's orders.
  frequency = purchase dates − 1 (repeat purchases), recency_days = last
  purchase date − first, monetary_value = mean revenue of the repeat
  purchase dates (0 when frequency = 0).
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per buyer
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  first_purchase_date: {description: date of the first order, type: DATE}
  last_purchase_date: {description: date of the last order, type: DATE}
  frequency: {description: repeat purchase dates (purchase dates − 1), type: BIGINT}
  recency_days: {description: last purchase date − first purchase date, type: INTEGER}
  monetary_value: {description: mean revenue of the repeat purchase dates; 0 without one, type: DOUBLE}
# int_clv_buyers, which passes these columns through, tests their values.
*/
with

orders as (
    select * from staging.stg_orders
),

-- §3: time unit days; purchases on the same date are one purchase
dated_orders as (
    select
        user_id,
        cast(created_at as date) as purchase_date,
        revenue
    from orders
),

-- one pass over the orders: a group per buyer keeps every order's date and revenue
-- (a list is far cheaper here than ordered aggregates over (buyer, date) groups)
buyers as (
    select
        user_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(distinct purchase_date) - 1 as frequency,
        list({'purchase_date': purchase_date, 'revenue': revenue}) as dated_revenues
    from dated_orders
    group by user_id
),

-- §3: monetary_value is the mean revenue of the repeat purchase dates, a date's revenue
-- being the sum of its orders: so the revenue of every order after the first date over
-- the number of those dates. Summed in ascending order, so that it is bit-identical
-- from run to run (SPEC §5), which a parallel sum is not
repeat_revenue as (
    select
        *,
        list_aggregate(
            list_sort(
                list_transform(
                    list_filter(
                        dated_revenues, lambda o: o.purchase_date > first_purchase_date
                    ),
                    lambda o: o.revenue
                )
            ),
            'fsum'
        ) as repeat_revenue
    from buyers
),

final as (
    select
        cast(user_id as varchar) as user_id,
        first_purchase_date,
        last_purchase_date,
        cast(frequency as bigint) as frequency,
        cast(last_purchase_date - first_purchase_date as integer) as recency_days,
        cast(
            case
                when frequency > 0 then repeat_revenue / frequency
                else 0
            end as double
        ) as monetary_value
    from repeat_revenue
)

select * from final
