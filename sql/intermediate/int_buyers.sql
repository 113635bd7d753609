/*
description: >
  Buyers with their order totals, first-order attributes and acquisition
  (SPEC §2): the first order is the smallest created_at, ties broken by the
  smallest order_id; the acquisition source is the first visit's source_id,
  (unknown) without a visit or a source_id.
kind: incremental_by_partition
partitioned_by: [user_id]
# an event's region and type reach only the buyers whose first order is for it
lookups:
  stg_events: changed.event_id = t.first_order_event_id
grain: one row per buyer (user with at least one staged order)
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  first_order_id: {description: order_id of the first order, type: VARCHAR, tests: [not_null]}
  first_order_at: {description: created_at of the first order, type: TIMESTAMP, tests: [not_null]}
  last_order_at: {description: created_at of the last order, type: TIMESTAMP, tests: [not_null]}
  orders_count: {description: staged orders of the buyer, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  revenue_total: {description: revenue of all orders in the base currency, type: DOUBLE, tests: [not_null]}
  avg_tickets_per_order: {description: "mean of non-null tickets_count, null if none", type: DOUBLE}
  first_order_device: {description: device of the first order, type: VARCHAR}
  first_order_service: {description: service of the first order, type: VARCHAR}
  first_order_event_id: {description: event of the first order, type: VARCHAR}
  first_order_region: {description: region of the first order's event, type: VARCHAR}
  first_order_event_type: {description: event_type of the first order's event, type: VARCHAR}
  first_visit_at: {description: "session_start of the first visit, null without a visit", type: TIMESTAMP}
  acquisition_source_id: {description: source_id of the first visit or (unknown), type: VARCHAR, tests: [not_null]}
*/
with

orders as (
    select * from staging.stg_orders
),

events as (
    select * from staging.stg_events
),

first_visits as (
    select * from intermediate.int_first_visits
),

-- §2: ties on created_at go to the smallest order_id, compared as text
ranked_orders as (
    select
        *,
        row_number() over (partition by user_id order by created_at, order_id) as order_rank
    from orders
),

first_orders as (
    select * from ranked_orders
    where order_rank = 1
),

order_totals as (
    select
        user_id,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        count(*) as orders_count,
        -- summed in a fixed order: bit-identical from run to run (SPEC §5), unlike parallel fsum
        fsum(revenue order by revenue) as revenue_total,
        avg(tickets_count) as avg_tickets_per_order
    from orders
    group by user_id
),

final as (
    select
        order_totals.user_id,
        first_orders.order_id as first_order_id,
        order_totals.first_order_at,
        order_totals.last_order_at,
        order_totals.orders_count,
        order_totals.revenue_total,
        order_totals.avg_tickets_per_order,
        first_orders.device as first_order_device,
        first_orders.service as first_order_service,
        first_orders.event_id as first_order_event_id,
        events.region as first_order_region,
        events.event_type as first_order_event_type,
        first_visits.first_visit_at,
        coalesce(first_visits.source_id, '(unknown)') as acquisition_source_id
    from order_totals
    inner join first_orders
        on order_totals.user_id = first_orders.user_id
    left join events
        on first_orders.event_id = events.event_id
    left join first_visits
        on order_totals.user_id = first_visits.user_id
)

select * from final
