/*
description: >
  Monthly KPIs (SPEC §3 mart_kpi_monthly): buyers, new and returning
  buyers, orders, revenue, average check and costs, for every month from
  the first to the last month holding staged orders, visits or costs (not
  cut at as_of_date). A month without orders has zeros and null ratios.
grain: one row per month
columns:
  month: {description: first day of the month, type: DATE, tests: [unique, not_null]}
  buyers: {description: distinct users with an order that month, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  new_buyers: {description: buyers whose first order was that month, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  returning_buyers: {description: buyers − new_buyers, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  orders: {description: orders that month, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  revenue: {description: revenue of the month's orders, type: DOUBLE, tests: [not_null]}
  avg_check: {description: revenue / orders; null without orders, type: DOUBLE}
  orders_per_buyer: {description: orders / buyers; null without orders, type: DOUBLE}
  revenue_new_buyers: {description: revenue of the month's orders by buyers whose first order month it is, type: DOUBLE, tests: [not_null]}
  revenue_returning_buyers: {description: revenue of the month's orders by earlier buyers, type: DOUBLE, tests: [not_null]}
  costs: {description: staged costs of all sources that month, type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
tests:
  - reconcile:
      name: revenue_matches_staged_orders
      left: select coalesce(fsum(revenue), 0) from main.mart_kpi_monthly
      right: select coalesce(fsum(revenue), 0) from staging.stg_orders
  - reconcile:
      name: orders_match_staged_orders
      left: select coalesce(sum(orders), 0) from main.mart_kpi_monthly
      right: select count(*) from staging.stg_orders
  - reconcile:
      name: new_buyers_match_buyers
      left: select coalesce(sum(new_buyers), 0) from main.mart_kpi_monthly
      right: select count(*) from main.mart_user_profile
  - reconcile:
      name: costs_match_staged_costs
      left: select coalesce(fsum(costs), 0) from main.mart_kpi_monthly
      right: select coalesce(fsum(costs), 0) from staging.stg_costs
  - expression:
      name: revenue_splits_into_new_and_returning
      check: abs(revenue - revenue_new_buyers - revenue_returning_buyers) <= 1e-6 * greatest(1, abs(revenue))
*/
with

orders as (
    select * from staging.stg_orders
),

visits as (
    select * from staging.stg_visits
),

costs as (
    select * from staging.stg_costs
),

buyers as (
    select * from intermediate.int_buyers
),

-- date_trunc keeps order, so the first and last months are those of the
-- earliest and latest times: a min and max per table, not a month per row
data_bounds as (
    select min(created_at) as first_at, max(created_at) as last_at from orders
    union all
    select min(session_start), max(session_start) from visits
    union all
    select cast(min(dt) as timestamp), cast(max(dt) as timestamp) from costs
),

-- §3: from the first to the last month holding staged orders, visits or costs
bounds as (
    select
        cast(date_trunc('month', min(first_at)) as date) as first_month,
        cast(date_trunc('month', max(last_at)) as date) as last_month
    from data_bounds
),

months as (
    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as month
    from bounds
    where first_month is not null
),

buyer_orders as (
    select
        cast(date_trunc('month', orders.created_at) as date) as month,
        orders.user_id,
        orders.revenue,
        cast(date_trunc('month', buyers.first_order_at) as date) as first_order_month
    from orders
    inner join buyers
        on orders.user_id = buyers.user_id
),

monthly_orders as (
    select
        month,
        count(distinct user_id) as buyers,
        count(distinct user_id) filter (where first_order_month = month) as new_buyers,
        count(*) as orders,
        -- summed in a fixed order: bit-identical from run to run (SPEC §5), unlike parallel fsum
        fsum(revenue order by revenue) as revenue,
        fsum(revenue order by revenue) filter (where first_order_month = month) as revenue_new_buyers,
        fsum(revenue order by revenue) filter (where first_order_month < month)
            as revenue_returning_buyers
    from buyer_orders
    group by month
),

monthly_costs as (
    select
        cast(date_trunc('month', dt) as date) as month,
        fsum(costs order by costs) as costs
    from costs
    group by 1
),

final as (
    select
        months.month,
        cast(coalesce(monthly_orders.buyers, 0) as bigint) as buyers,
        cast(coalesce(monthly_orders.new_buyers, 0) as bigint) as new_buyers,
        cast(coalesce(monthly_orders.buyers - monthly_orders.new_buyers, 0) as bigint) as returning_buyers,
        cast(coalesce(monthly_orders.orders, 0) as bigint) as orders,
        cast(coalesce(monthly_orders.revenue, 0) as double) as revenue,
        cast(monthly_orders.revenue / monthly_orders.orders as double) as avg_check,
        cast(monthly_orders.orders / monthly_orders.buyers as double) as orders_per_buyer,
        cast(coalesce(monthly_orders.revenue_new_buyers, 0) as double) as revenue_new_buyers,
        cast(coalesce(monthly_orders.revenue_returning_buyers, 0) as double) as revenue_returning_buyers,
        cast(coalesce(monthly_costs.costs, 0) as double) as costs
    from months
    left join monthly_orders
        on months.month = monthly_orders.month
    left join monthly_costs
        on months.month = monthly_costs.month
)

select * from final
order by month
