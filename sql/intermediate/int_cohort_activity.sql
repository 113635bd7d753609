/*
description: >
  Activity of cohort members placed on their cohort's lifetimes (SPEC §2):
  the periods a visitor had a staged session in (basis visits: retention
  counts active members, so one row per member and period, not per session)
  and every staged order of a buyer (basis orders), per grain, with the
  lifetime of its period.
grain: one row per (grain, visitor, period) for basis visits; per (grain, order) for basis orders
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

-- a visitor is active on a day however many sessions it had
visit_days as (
    select distinct
        user_id,
        cast(session_start as date) as active_on
    from visits
),

visit_periods as (
    select distinct
        'visits' as basis,
        members.grain,
        visit_days.user_id,
        members.cohort_start,
        cast(date_trunc(members.grain, visit_days.active_on) as date) as period_start,
        null::varchar as order_id,
        null::double as revenue
    from visit_days
    inner join members
        on members.basis = 'visits'
        and visit_days.user_id = members.user_id
),

order_activity as (
    select
        'orders' as basis,
        members.grain,
        orders.user_id,
        members.cohort_start,
        cast(date_trunc(members.grain, cast(orders.created_at as date)) as date) as period_start,
        orders.order_id,
        orders.revenue
    from orders
    inner join members
        on members.basis = 'orders'
        and orders.user_id = members.user_id
),

placed as (
    select * from visit_periods
    union all
    select * from order_activity
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
