/*
description: >
  The category of each buyer's first order (SPEC §3 mart_return_rates,
  dimension category): the category with the largest round(revenue, 6)
  summed over the order's lines (ties: the smallest category text), or
  (unknown) when the first order has no lines. Empty when no staged line
  belongs to a staged order.
grain: one row per buyer, when order lines exist
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  first_order_category: {description: category of the first order or (unknown), type: VARCHAR, tests: [not_null]}
*/
with

buyers as (
    select * from intermediate.int_buyers
),

lines as (
    select * from intermediate.int_order_lines
),

-- rounded so that equal amounts summed in another order still tie
category_revenue as (
    select
        order_id,
        category,
        round(sum(revenue), 6) as revenue
    from lines
    group by order_id, category
),

ranked as (
    select
        buyers.user_id,
        category_revenue.category,
        row_number() over (
            partition by buyers.user_id
            order by category_revenue.revenue desc nulls last, category_revenue.category
        ) as category_rank
    from buyers
    left join category_revenue
        on buyers.first_order_id = category_revenue.order_id
    where exists (select 1 from lines)
),

final as (
    select
        user_id,
        coalesce(category, '(unknown)') as first_order_category
    from ranked
    where category_rank = 1
)

select * from final
