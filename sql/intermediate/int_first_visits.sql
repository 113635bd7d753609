/*
description: >
  Each visitor's first visit (SPEC §2): the smallest session_start, ties
  broken by the smallest source_id (as text) with a missing source_id last.
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per user with a staged visit
columns:
  user_id: {description: visitor, type: VARCHAR, tests: [unique, not_null]}
  first_visit_at: {description: session_start of the first visit, type: TIMESTAMP, tests: [not_null]}
  source_id: {description: source_id of the first visit (null when it has none), type: VARCHAR}
  device: {description: device of the first visit, type: VARCHAR}
*/
with

visits as (
    select * from staging.stg_visits
),

-- one pass per user, ordered as SPEC §2 says; session_end and device only
-- make the order total, and `is null` then coalesce sorts a missing value last
firsts as (
    select
        user_id,
        min(session_start) as first_visit_at,
        arg_min(
            {'source_id': source_id, 'device': device},
            (
                session_start,
                source_id is null, coalesce(source_id, ''),
                session_end,
                device is null, coalesce(device, '')
            )
        ) as first_visit
    from visits
    group by user_id
),

final as (
    select
        user_id,
        first_visit_at,
        first_visit.source_id as source_id,
        first_visit.device as device
    from firsts
)

select * from final
