/*
description: FX rate rows quarantined by staging (SPEC §1), with the reason.
grain: one row per quarantined raw fx_rates row
columns:
  reason: {description: missing_<column>, tests: [not_null]}
  dt: rate date
  currency: currency code
  rate: rate
  _file_key: object key the row came from
  _file_row: position of the row in its object
  _run_id: run that loaded the row
*/
with

classified as (
    select * from staging.stg_fx_rates_classified
),

final as (
    select
        quarantine_reason as reason,
        dt,
        currency,
        rate,
        _file_key,
        _file_row,
        _run_id
    from classified
    where row_status = 'quarantined'
)

select * from final
