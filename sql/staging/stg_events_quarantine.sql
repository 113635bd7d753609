/*
description: Event rows quarantined by staging (SPEC §1), with the reason.
grain: one row per quarantined raw events row
columns:
  reason: {description: missing_<column>, tests: [not_null]}
  event_id: event identifier
  event_type: type of event
  region: region of the event
  city: city of the event
  _file_key: object key the row came from
  _file_row: position of the row in its object
  _run_id: run that loaded the row
*/
with

classified as (
    select * from staging.stg_events_classified
),

final as (
    select
        quarantine_reason as reason,
        event_id,
        event_type,
        region,
        city,
        _file_key,
        _file_row,
        _run_id
    from classified
    where row_status = 'quarantined'
)

select * from final
