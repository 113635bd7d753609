/*
description: Cost rows quarantined by staging (SPEC §1), with the reason.
grain: one row per quarantined raw costs row
columns:
  reason: {description: missing_<column> or negative_costs, tests: [not_null]}
  dt: date of the spend
  source_id: advertising source
  costs: spend
  _file_key: object key the row came from
  _file_row: position of the row in its object
  _run_id: run that loaded the row
*/
with

classified as (
    select * from staging.stg_costs_classified
),

final as (
    select
        quarantine_reason as reason,
        dt,
        source_id,
        costs,
        _file_key,
        _file_row,
        _run_id
    from classified
    where row_status = 'quarantined'
)

select * from final
