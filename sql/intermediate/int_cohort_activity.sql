/*
description: >
  Activity of cohort members placed on their cohort's lifetimes (SPEC §2):
  every staged session of a visitor (basis visits) and every staged order
  of a buyer (basis orders), per grain, with the lifetime of its period.
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per (basis, grain, session or order)
columns:
  basis: {description: visits or orders, type: VARCHAR, tests: [not_null]}
  grain: {description: week or month, type: VARCHAR, tests: [not_null]}
  user_id: {description: member, type: VARCHAR, tests: [not_null]}
  cohort_start: {description: first day of the member's cohort period, type: DATE, tests: [not_null]}
  period_start: {description: first day of the activity's period, type: DATE, tests: [not_null]}
  lifetime: {description: whole periods from cohort_start to period_start, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  order_id: {description: the order (basis orders only), type: VARCHAR}
  revenue: {description: revenue of the order in the base currency (basis orders only), type: DOUBLE}
*/
with

visits as (
    select * from staging.stg_visits
),

orders as (
    select * from staging.stg_orders
),

members as (
    select * from intermediate.int_cohort_members
),

activities as (
    select
        'visits' as basis,
        user_id,
        cast(session_start as date) as active_on,
        null::varchar as order_id,
        null::double as revenue
    from visits
    union all
    select
        'orders' as basis,
        user_id,
        cast(created_at as date) as active_on,
        order_id,
        revenue
    from orders
),

placed as (
    select
        activities.basis,
        members.grain,
        activities.user_id,
        members.cohort_start,
        cast(date_trunc(members.grain, activities.active_on) as date) as period_start,
        activities.order_id,
        activities.revenue
    from activities
    inner join members
        on activities.basis = members.basis
        and activities.user_id = members.user_id
),

-- §2 lifetime: months 12·Δyear + Δmonth; weeks Δdays / 7 (both Mondays)
final as (
    select
        basis,
        grain,
        user_id,
        cohort_start,
        period_start,
        cast(
            case grain
                when 'month' then
                    12 * (year(period_start) - year(cohort_start)) + month(period_start) - month(cohort_start)
                when 'week' then date_diff('day', cohort_start, period_start) // 7
            end as integer
        ) as lifetime,
        order_id,
        revenue
    from placed
)

select * from final
