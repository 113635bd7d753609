/*
description: Staged advertising costs, one row per (dt, source_id) after the rules of SPEC §1.
grain: one row per (dt, source_id)
columns:
  dt: {description: date of the spend, tests: [not_null]}
  source_id: {description: advertising source, tests: [not_null]}
  costs: {description: spend in the base currency, tests: [not_null, {range: {min: 0}}]}
  _file_key: object key the row came from
  _file_row: position of the row in its object
tests:
  - unique: {columns: [dt, source_id]}
  - reconcile:
      name: raw_rows_accounted
      left: select count(*) from raw.costs
      right: >
        select (select count(*) from staging.stg_costs)
          + (select count(*) from staging.stg_costs_quarantine)
          + (select count(*) from staging.stg_costs_classified where row_status = 'superseded')
*/
with

classified as (
    select * from staging.stg_costs_classified
),

final as (
    select
        dt,
        source_id,
        costs,
        _file_key,
        _file_row
    from classified
    where row_status = 'staged'
)

select * from final
