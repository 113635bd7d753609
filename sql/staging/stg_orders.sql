/*
description: >
  Staged orders, one row per order_id after the rules of SPEC §1, with
  revenue converted to the base currency (never rounded).
grain: one row per order_id
columns:
  order_id: {description: order identifier, tests: [unique, not_null]}
  user_id: {description: buyer, tests: [not_null]}
  created_at: {description: time the order was placed, tests: [not_null]}
  revenue: {description: revenue in the base currency (revenue_in_currency × fx_rate), tests: [not_null, {range: {min: 0}}]}
  revenue_in_currency: revenue in the order's own currency
  currency: {description: currency of the order (the base currency when empty), tests: [not_null]}
  fx_rate: {description: base-currency units per currency unit applied, tests: [not_null]}
  tickets_count: tickets in the order
  service: service the order was placed through
  event_id: event the order is for
  device: device the order was placed from
  _file_key: object key the row came from
  _file_row: position of the row in its object
tests:
  - reconcile:
      name: raw_rows_accounted
      left: select count(*) from raw.orders
      right: >
        select (select count(*) from staging.stg_orders)
          + (select count(*) from staging.stg_orders_quarantine)
          + (select count(*) from staging.stg_orders_classified where row_status = 'superseded')
*/
with

classified as (
    select * from staging.stg_orders_classified
),

final as (
    select
        order_id,
        user_id,
        created_at,
        revenue_base as revenue,
        revenue as revenue_in_currency,
        coalesce(currency, getvariable('base_currency')) as currency,
        fx_rate,
        tickets_count,
        service,
        event_id,
        device,
        _file_key,
        _file_row
    from classified
    where row_status = 'staged'
)

select * from final
