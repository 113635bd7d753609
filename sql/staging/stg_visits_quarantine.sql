/*
description: Visit rows quarantined by staging (SPEC §1), with the reason.
grain: one row per quarantined raw visits row
columns:
  reason: {description: missing_<column> or session_end_before_start, tests: [not_null]}
  user_id: visitor
  session_start: start of the session
  session_end: end of the session
  device: device of the session
  source_id: advertising source of the session
  _file_key: object key the row came from
  _file_row: position of the row in its object
  _run_id: run that loaded the row
*/
with

classified as (
    select * from staging.stg_visits_classified
),

final as (
    select
        quarantine_reason as reason,
        user_id,
        session_start,
        session_end,
        device,
        source_id,
        _file_key,
        _file_row,
        _run_id
    from classified
    where row_status = 'quarantined'
)

select * from final
