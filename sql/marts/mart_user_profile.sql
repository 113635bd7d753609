/*
description: >
  Buyer profiles (SPEC §3 mart_user_profile): order totals, first-order
  attributes, acquisition and order-count segments.
grain: one row per buyer
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  first_order_at: {description: created_at of the first order, type: TIMESTAMP, tests: [not_null]}
  last_order_at: {description: created_at of the last order, type: TIMESTAMP, tests: [not_null]}
  orders_count: {description: staged orders, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  revenue_total: {description: revenue of all orders in the base currency, type: DOUBLE, tests: [not_null]}
  avg_order_revenue: {description: revenue_total / orders_count, type: DOUBLE, tests: [not_null]}
  avg_tickets_per_order: {description: "mean of non-null tickets_count, null if none", type: DOUBLE}
  avg_days_between_orders: {description: "(last_order_at − first_order_at) in fractional days / (orders_count − 1); null for one order", type: DOUBLE, tests: [{range: {min: 0}}]}
  first_order_device: {description: device of the first order, type: VARCHAR}
  first_order_region: {description: region of the first order's event, type: VARCHAR}
  first_order_service: {description: service of the first order, type: VARCHAR}
  first_order_event_type: {description: event_type of the first order's event, type: VARCHAR}
  first_order_weekday: {description: ISO weekday of the first order (1 = Monday … 7), type: INTEGER, tests: [not_null, {range: {min: 1, max: 7}}]}
  acquisition_source_id: {description: "source_id of the first visit, or (unknown)", type: VARCHAR, tests: [not_null]}
  first_visit_at: {description: "session_start of the first visit, null without a visit", type: TIMESTAMP}
  order_count_segment: {description: "1, 2-4 or 5+", type: VARCHAR, tests: [not_null, {accepted_values: ["1", "2-4", "5+"]}]}
  is_returning: {description: orders_count ≥ 2, type: BOOLEAN, tests: [not_null]}
  is_frequent: {description: orders_count ≥ 5, type: BOOLEAN, tests: [not_null]}
  days_since_last_order: {description: as_of_date − date of the last order, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  minutes_to_first_order: {description: "(first_order_at − first_visit_at) in fractional minutes; null without a visit; negative when the first order precedes the first visit", type: DOUBLE}
tests:
  - expression:
      name: minutes_to_first_order_null_without_visit
      check: (minutes_to_first_order is null) = (first_visit_at is null)
  - reconcile:
      name: buyers_match_staged_orders
      left: select count(*) from main.mart_user_profile
      right: select count(distinct user_id) from staging.stg_orders
  - reconcile:
      name: revenue_matches_staged_orders
      left: select coalesce(fsum(revenue_total), 0) from main.mart_user_profile
      right: select coalesce(fsum(revenue), 0) from staging.stg_orders
*/
with

buyers as (
    select * from intermediate.int_buyers
),

as_of as (
    select * from intermediate.int_data_as_of
),

final as (
    select
        cast(buyers.user_id as varchar) as user_id,
        cast(buyers.first_order_at as timestamp) as first_order_at,
        cast(buyers.last_order_at as timestamp) as last_order_at,
        cast(buyers.orders_count as bigint) as orders_count,
        cast(buyers.revenue_total as double) as revenue_total,
        cast(buyers.revenue_total / buyers.orders_count as double) as avg_order_revenue,
        cast(buyers.avg_tickets_per_order as double) as avg_tickets_per_order,
        -- §3: microsecond gap between first and last order, in days, per gap between orders
        cast(
            case
                when buyers.orders_count > 1 then
                    date_diff('microsecond', buyers.first_order_at, buyers.last_order_at)
                    / 86400e6 / (buyers.orders_count - 1)
            end as double
        ) as avg_days_between_orders,
        cast(buyers.first_order_device as varchar) as first_order_device,
        cast(buyers.first_order_region as varchar) as first_order_region,
        cast(buyers.first_order_service as varchar) as first_order_service,
        cast(buyers.first_order_event_type as varchar) as first_order_event_type,
        cast(isodow(buyers.first_order_at) as integer) as first_order_weekday,
        cast(buyers.acquisition_source_id as varchar) as acquisition_source_id,
        cast(buyers.first_visit_at as timestamp) as first_visit_at,
        cast(
            case
                when buyers.orders_count >= 5 then '5+'
                when buyers.orders_count >= 2 then '2-4'
                else '1'
            end as varchar
        ) as order_count_segment,
        cast(buyers.orders_count >= 2 as boolean) as is_returning,
        cast(buyers.orders_count >= 5 as boolean) as is_frequent,
        cast(date_diff('day', cast(buyers.last_order_at as date), as_of.as_of_date) as integer)
            as days_since_last_order,
        -- §3: microsecond gap from the first visit to the first order, in minutes (may be negative)
        cast(
            date_diff('microsecond', buyers.first_visit_at, buyers.first_order_at) / 60e6 as double
        ) as minutes_to_first_order
    from buyers
    cross join as_of
)

select * from final
order by user_id
