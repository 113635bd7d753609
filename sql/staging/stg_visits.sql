/*
description: Staged sessions after the rules of SPEC §1 (duplicates removed, invalid ones quarantined).
grain: one row per session
columns:
  user_id: {description: visitor, tests: [not_null]}
  session_start: {description: start of the session, tests: [not_null]}
  session_end: {description: "end of the session, not before its start", tests: [not_null]}
  device: device of the session
  source_id: advertising source of the session
  _file_key: object key the row came from
  _file_row: position of the row in its object
tests:
  - unique: {columns: [user_id, session_start, session_end, device, source_id]}
  - expression: {name: ends_after_start, check: session_end >= session_start}
  - reconcile:
      name: raw_rows_accounted
      left: select count(*) from raw.visits
      right: >
        select (select count(*) from staging.stg_visits)
          + (select count(*) from staging.stg_visits_quarantine)
          + (select count(*) from staging.stg_visits_classified where row_status = 'superseded')
*/
with

classified as (
    select * from staging.stg_visits_classified
),

final as (
    select
        user_id,
        session_start,
        session_end,
        device,
        source_id,
        _file_key,
        _file_row
    from classified
    where row_status = 'staged'
)

select * from final
