/*
description: >
  The lifetimes in which each cohort member was active (SPEC §3
  mart_retention): a session (basis visits) or an order (basis orders) in
  the lifetime's period. mart_retention counts these rows instead of
  distinct users over every session, and a new day recomputes only the
  users it touches.
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per (basis, grain, user, lifetime) with activity
columns:
  basis: {description: visits or orders, type: VARCHAR, tests: [not_null, {accepted_values: [visits, orders]}]}
  grain: {description: week or month, type: VARCHAR, tests: [not_null, {accepted_values: [week, month]}]}
  user_id: {description: member, type: VARCHAR, tests: [not_null]}
  cohort_start: {description: first day of the member's cohort period, type: DATE, tests: [not_null]}
  lifetime: {description: whole periods from cohort_start to the active period, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
tests:
  - unique: {columns: [basis, grain, user_id, lifetime]}
*/
with

activity as (
    select * from intermediate.int_cohort_activity
),

final as (
    select distinct
        basis,
        grain,
        user_id,
        cohort_start,
        lifetime
    from activity
)

select * from final
