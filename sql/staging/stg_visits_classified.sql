/*
description: >
  Every raw visits row with its staging outcome (SPEC §1): staged,
  quarantined with a reason, or superseded as a duplicate of the same
  session (visits have no key: rows equal in all five columns are one
  session). stg_visits and stg_visits_quarantine read it.
grain: one row per raw visits row
columns:
  user_id: visitor
  session_start: start of the session
  session_end: end of the session
  device: device of the session
  source_id: advertising source of the session
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
          [missing_user_id, missing_session_start, missing_session_end, session_end_before_start]
tests:
  - expression:
      name: reason_when_quarantined
      check: (row_status = 'quarantined') = (quarantine_reason is not null)
*/
with

source as (
    select * from raw.visits
),

-- §1 step 1: the first empty required column, in the table's order, names the reason
required_checked as (
    select
        *,
        case
            when user_id is null then 'missing_user_id'
            when session_start is null then 'missing_session_start'
            when session_end is null then 'missing_session_end'
        end as missing_reason
    from source
),

-- §1 step 2: rows equal in all five columns are one session (a missing
-- device or source_id equals another missing one); the row of the most
-- recently modified object wins, then the greater object key, then the later row
ranked as (
    select
        *,
        row_number() over (
            partition by user_id, session_start, session_end, device, source_id
            order by _file_modified desc, _file_key desc, _file_row desc
        ) as key_rank
    from required_checked
    where missing_reason is null
),

-- §1 step 3: a session that ends before it starts is quarantined
complete_rows as (
    select
        * exclude (key_rank, missing_reason),
        case
            when key_rank > 1 then 'superseded'
            when session_end < session_start then 'quarantined'
            else 'staged'
        end as row_status,
        case
            when key_rank = 1 and session_end < session_start then 'session_end_before_start'
        end as quarantine_reason
    from ranked
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
        user_id,
        session_start,
        session_end,
        device,
        source_id,
        _file_key,
        _file_row,
        _file_modified,
        _run_id,
        row_status,
        quarantine_reason
    from classified
)

select * from final
