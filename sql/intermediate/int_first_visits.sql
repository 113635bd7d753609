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

-- session_end and device only make the order total; they cannot change the result
ranked as (
    select
        *,
        row_number() over (
            partition by user_id
            order by session_start, source_id asc nulls last, session_end, device asc nulls last
        ) as visit_rank
    from visits
),

final as (
    select
        user_id,
        session_start as first_visit_at,
        source_id,
        device
    from ranked
    where visit_rank = 1
)

select * from final
