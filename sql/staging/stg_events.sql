/*
description: Staged events, one row per event_id after the key rule of SPEC §1.
grain: one row per event_id
columns:
  event_id: {description: event identifier, tests: [unique, not_null]}
  event_type: type of event
  region: region of the event
  city: city of the event
  _file_key: object key the row came from
  _file_row: position of the row in its object
tests:
  - reconcile:
      name: raw_rows_accounted
      left: select count(*) from raw.events
      right: >
        select (select count(*) from staging.stg_events)
          + (select count(*) from staging.stg_events_quarantine)
          + (select count(*) from staging.stg_events_classified where row_status = 'superseded')
*/
with

classified as (
    select * from staging.stg_events_classified
),

final as (
    select
        event_id,
        event_type,
        region,
        city,
        _file_key,
        _file_row
    from classified
    where row_status = 'staged'
)

select * from final
