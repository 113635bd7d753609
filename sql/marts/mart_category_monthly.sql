/*
description: >
  Revenue by product category and month (SPEC §3 mart_category_monthly,
  seed 002), from the staged lines of staged orders: orders and buyers with
  a line in the category, units, revenue in the base currency, the
  category's share of the month's line revenue, and the buyers whose first
  order fell in an earlier month. No rows without order lines.
grain: one row per month and category with at least one line
columns:
  month: {description: first day of the month of the order's created_at, type: DATE, tests: [not_null]}
  category: {description: category of the lines, type: VARCHAR, tests: [not_null]}
  orders: {description: distinct orders with a line in the category, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  buyers: {description: distinct users of those orders, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  quantity: {description: units of the category's lines, type: DOUBLE, tests: [not_null]}
  revenue: {description: revenue of the category's lines in the base currency, type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
  revenue_share: {description: "revenue / all line revenue of the month; null when that is 0", type: DOUBLE}
  returning_buyers: {description: "of those buyers, the ones whose first order month is earlier", type: BIGINT, tests: [not_null]}
tests:
  - unique: {columns: [month, category]}
  - reconcile:
      name: revenue_equals_line_revenue
      left: select coalesce(round(sum(revenue), 4), 0) from main.mart_category_monthly
      right: select coalesce(round(sum(revenue), 4), 0) from intermediate.int_order_lines
*/
with

lines as (
    select * from intermediate.int_order_lines
),

buyers as (
    select * from intermediate.int_buyers
),

monthly_lines as (
    select
        date_trunc('month', lines.created_at)::date as month,
        lines.category,
        lines.order_id,
        lines.user_id,
        lines.quantity,
        lines.revenue,
        date_trunc('month', buyers.first_order_at)::date as first_order_month
    from lines
    inner join buyers
        on lines.user_id = buyers.user_id
),

grouped as (
    select
        month,
        category,
        count(distinct order_id) as orders,
        count(distinct user_id) as buyers,
        sum(quantity) as quantity,
        sum(revenue) as revenue,
        count(distinct user_id) filter (where first_order_month < month) as returning_buyers
    from monthly_lines
    group by month, category
),

final as (
    select
        cast(month as date) as month,
        cast(category as varchar) as category,
        cast(orders as bigint) as orders,
        cast(buyers as bigint) as buyers,
        cast(quantity as double) as quantity,
        cast(revenue as double) as revenue,
        cast(revenue / nullif(sum(revenue) over (partition by month), 0) as double) as revenue_share,
        cast(returning_buyers as bigint) as returning_buyers
    from grouped
)

select * from final
order by month, category
