/*
description: Order rows quarantined by staging (SPEC §1), with the reason.
grain: one row per quarantined raw orders row
columns:
  reason: {description: "missing_<column>, negative_revenue or no_fx_rate", tests: [not_null]}
  order_id: order identifier
  user_id: buyer
  created_at: time the order was placed
  revenue: revenue as exported
  currency: currency as exported
  tickets_count: tickets in the order
  service: service the order was placed through
  event_id: event the order is for
  device: device the order was placed from
  _file_key: object key the row came from
  _file_row: position of the row in its object
  _run_id: run that loaded the row
*/
with

classified as (
    select * from staging.stg_orders_classified
),

final as (
    select
        quarantine_reason as reason,
        order_id,
        user_id,
        created_at,
        revenue,
        currency,
        tickets_count,
        service,
        event_id,
        device,
        _file_key,
        _file_row,
        _run_id
    from classified
    where row_status = 'quarantined'
)

select * from final
