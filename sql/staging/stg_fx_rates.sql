/*
description: >
  Staged FX rates: one row per (dt, currency) after the key rule of SPEC §1.
  Rows for the base currency stay here (they count as staged) but FX
  conversion ignores them.
grain: one row per (dt, currency)
columns:
  dt: {description: rate date, tests: [not_null]}
  currency: {description: currency code, tests: [not_null]}
  rate: {description: units of base currency per unit of currency, tests: [not_null]}
  _file_key: object key the row came from
  _file_row: position of the row in its object
tests:
  - unique: {columns: [dt, currency]}
  - reconcile:
      name: raw_rows_accounted
      left: select count(*) from raw.fx_rates
      right: >
        select (select count(*) from staging.stg_fx_rates)
          + (select count(*) from staging.stg_fx_rates_quarantine)
          + (select count(*) from staging.stg_fx_rates_classified where row_status = 'superseded')
*/
with

classified as (
    select * from staging.stg_fx_rates_classified
),

final as (
    select
        dt,
        currency,
        rate,
        _file_key,
        _file_row
    from classified
    where row_status = 'staged'
)

select * from final
