/*
description: >
  Orders derived from staged order lines (SPEC §1.2), read by
  stg_orders_classified instead of raw.orders when ordersFromLines is true:
  one order per order_id with staged lines, whose user_id, created_at and
  currency are those of its line with the smallest created_at (ties:
  smallest product), and whose revenue is the sum of its lines' quantity ×
  price in that currency. Lineage is the first line's.
grain: one row per order_id with staged lines
columns:
  order_id: {description: order identifier, type: VARCHAR, tests: [unique, not_null]}
  user_id: {description: user_id of the first line, type: VARCHAR}
  created_at: {description: created_at of the first line, type: TIMESTAMP}
  revenue: {description: "sum of quantity × price of the order's staged lines, in its currency", type: DOUBLE, tests: [not_null]}
  currency: {description: currency of the first line, type: VARCHAR}
  tickets_count: {description: none for derived orders, type: BIGINT}
  service: {description: none for derived orders, type: VARCHAR}
  event_id: {description: none for derived orders, type: VARCHAR}
  device: {description: none for derived orders, type: VARCHAR}
  _file_key: {description: object key of the first line, type: VARCHAR}
  _file_row: {description: record number of the first line in its object, type: BIGINT}
  _file_modified: {description: last-modified time of the first line's object, type: TIMESTAMP}
  _run_id: {description: run that loaded the first line, type: VARCHAR}
*/
with

lines as (
    select * from staging.stg_order_lines_classified
    where row_status = 'staged'
),

-- §1.2: the first line (smallest created_at, then smallest product) gives
-- the order its user, time and currency
ranked as (
    select
        *,
        row_number() over (
            partition by order_id
            order by created_at, product
        ) as line_rank,
        sum(quantity * price) over (partition by order_id) as order_revenue
    from lines
),

final as (
    select
        order_id,
        user_id,
        created_at,
        order_revenue as revenue,
        currency,
        null::bigint as tickets_count,
        null::varchar as service,
        null::varchar as event_id,
        null::varchar as device,
        _file_key,
        _file_row,
        _file_modified,
        _run_id
    from ranked
    where line_rank = 1
)

select * from final
