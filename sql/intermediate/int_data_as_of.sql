/*
description: >
  The data's as-of point (SPEC §2): data_as_of is the latest session_start
  or created_at among staged rows, as_of_date its date. Null when nothing
  is staged.
grain: one row
columns:
  data_as_of: {description: latest staged session_start or created_at, type: TIMESTAMP}
  as_of_date: {description: date of data_as_of, type: DATE}
tests:
  - row_count: {min: 1, max: 1}
*/
with

visits as (
    select * from staging.stg_visits
),

orders as (
    select * from staging.stg_orders
),

activity_times as (
    select session_start as activity_at from visits
    union all
    select created_at as activity_at from orders
),

final as (
    select
        max(activity_at) as data_as_of,
        cast(max(activity_at) as date) as as_of_date
    from activity_times
)

select * from final
