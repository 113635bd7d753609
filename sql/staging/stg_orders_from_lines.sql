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
  order_id: {description: order identifier, tests: [unique, not_null]}
  user_id: user_id of the first line
  created_at: created_at of the first line
  revenue: {description: "sum of quantity × price of the order's staged lines, in its currency", tests: [not_null]}
  currency: currency of the first line
  tickets_count: none for derived orders
  service: none for derived orders
  event_id: none for derived orders
  device: none for derived orders
  _file_key: object key of the first line
  _file_row: record number of the first line in its object
  _file_modified: last-modified time of the first line's object
  _run_id: run that loaded the first line
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
