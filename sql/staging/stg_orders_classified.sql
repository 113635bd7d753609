/*
description: >
  Every raw orders row with its staging outcome (SPEC §1): staged,
  quarantined with a reason, or superseded by the winning row of its key
  order_id; winners carry the FX rate to the base currency. stg_orders and
  stg_orders_quarantine read it.
grain: one row per raw orders row
columns:
  order_id: order identifier
  user_id: buyer
  created_at: time the order was placed
  revenue: revenue in the order's currency, as exported
  currency: currency as exported (empty means the base currency)
  tickets_count: tickets in the order
  service: service the order was placed through
  event_id: event the order is for
  device: device the order was placed from
  fx_rate: base-currency units per currency unit on the order's date (winners only)
  revenue_base: revenue × fx_rate (winners only)
  _file_key: object key the row came from
  _file_row: position of the row in its object
  _file_modified: last-modified time of the object
  _run_id: run that loaded the row
  row_status:
    description: staged, quarantined or superseded
    tests: [not_null, {accepted_values: [staged, quarantined, superseded]}]
  quarantine_reason:
    description: why a quarantined row was quarantined
    tests:
      - accepted_values:
          [missing_order_id, missing_user_id, missing_created_at, missing_revenue, negative_revenue, no_fx_rate]
tests:
  - expression:
      name: reason_when_quarantined
      check: (row_status = 'quarantined') = (quarantine_reason is not null)
*/
with

source as (
    select * from raw.orders
),

fx_rates as (
    select * from staging.stg_fx_rates
),

-- §1: rows for the base currency are ignored; it always converts at rate 1
foreign_rates as (
    select
        dt,
        currency,
        rate
    from fx_rates
    where currency <> getvariable('base_currency')
),

-- §1 step 1: the first empty required column, in the table's order, names the reason
required_checked as (
    select
        *,
        case
            when order_id is null then 'missing_order_id'
            when user_id is null then 'missing_user_id'
            when created_at is null then 'missing_created_at'
            when revenue is null then 'missing_revenue'
        end as missing_reason
    from source
),

-- §1 step 2: per order_id, the row of the most recently modified object
-- wins, then the greater object key, then the later row in the file
ranked as (
    select
        *,
        row_number() over (
            partition by order_id
            order by _file_modified desc, _file_key desc, _file_row desc
        ) as key_rank
    from required_checked
    where missing_reason is null
),

-- §1: an order uses the rate of its currency with the latest dt on or
-- before the order's date; empty or base currency means rate 1
converted as (
    select
        ranked.*,
        case
            when ranked.currency is null or ranked.currency = getvariable('base_currency') then 1::double
            else foreign_rates.rate
        end as fx_rate
    from ranked
    asof left join foreign_rates
        on ranked.currency = foreign_rates.currency
        and cast(ranked.created_at as date) >= foreign_rates.dt
),

-- §1 step 3: a winner with negative revenue, or in a foreign currency with
-- no rate yet, is quarantined and its key has no staged row
complete_rows as (
    select
        * exclude (key_rank, missing_reason, fx_rate),
        case
            when key_rank > 1 then 'superseded'
            when revenue < 0 or fx_rate is null then 'quarantined'
            else 'staged'
        end as row_status,
        case
            when key_rank > 1 then null
            when revenue < 0 then 'negative_revenue'
            when fx_rate is null then 'no_fx_rate'
        end as quarantine_reason,
        case when key_rank = 1 then fx_rate end as fx_rate,
        case when key_rank = 1 then revenue * fx_rate end as revenue_base
    from converted
),

incomplete_rows as (
    select
        * exclude (missing_reason),
        'quarantined' as row_status,
        missing_reason as quarantine_reason
    from required_checked
    where missing_reason is not null
),

classified as (
    select * from complete_rows
    union all by name
    select * from incomplete_rows
),

final as (
    select
        order_id,
        user_id,
        created_at,
        revenue,
        currency,
        tickets_count,
        service,
        event_id,
        device,
        fx_rate,
        revenue_base,
        _file_key,
        _file_row,
        _file_modified,
        _run_id,
        row_status,
        quarantine_reason
    from classified
)

select * from final
