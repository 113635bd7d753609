/*
description: >
  Share of buyers who come back, by first-order attribute (SPEC §3
  mart_return_rates). A missing value is shown as (unknown). With order
  lines, the dimension category (of the first order) is added.
grain: one row per (dimension, value)
columns:
  dimension: {description: "event_type, device, region, service, weekday, acquisition_source or category", type: VARCHAR, tests: [not_null, {accepted_values: [event_type, device, region, service, weekday, acquisition_source, category]}]}
  value: {description: "the first order's value of the dimension, (unknown) when missing", type: VARCHAR, tests: [not_null]}
  users: {description: buyers with that value, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  share_of_users: {description: users / all buyers, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  returning_users: {description: buyers with that value and at least 2 orders, type: BIGINT, tests: [not_null]}
  return_rate: {description: returning_users / users, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  frequent_users: {description: buyers with that value and at least 5 orders, type: BIGINT, tests: [not_null]}
  frequent_rate: {description: frequent_users / users, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  return_rate_ci_low: {description: "lower bound of the 95 % Wilson score interval of return_rate, clamped to [0, 1]", type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  return_rate_ci_high: {description: "upper bound of the 95 % Wilson score interval of return_rate, clamped to [0, 1]", type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
tests:
  - unique: {columns: [dimension, value]}
  - expression:
      name: wilson_interval_holds_return_rate
      check: return_rate_ci_low <= return_rate + 1e-12 and return_rate <= return_rate_ci_high + 1e-12
  - reconcile:
      name: each_dimension_covers_all_buyers
      left: >
        select (6 + (select count(*) > 0 from intermediate.int_first_order_categories)::int) * count(*)
        from main.mart_user_profile
      right: select coalesce(sum(users), 0) from main.mart_return_rates
*/
with

profiles as (
    select * from mart_user_profile
),

first_order_categories as (
    select * from intermediate.int_first_order_categories
),

-- one row per (buyer, dimension) with the first order's value of it
attributes as (
    select
        'event_type' as dimension,
        first_order_event_type as value,
        is_returning,
        is_frequent
    from profiles
    union all
    select
        'device' as dimension,
        first_order_device as value,
        is_returning,
        is_frequent
    from profiles
    union all
    select
        'region' as dimension,
        first_order_region as value,
        is_returning,
        is_frequent
    from profiles
    union all
    select
        'service' as dimension,
        first_order_service as value,
        is_returning,
        is_frequent
    from profiles
    union all
    select
        'weekday' as dimension,
        cast(first_order_weekday as varchar) as value,
        is_returning,
        is_frequent
    from profiles
    union all
    select
        'acquisition_source' as dimension,
        acquisition_source_id as value,
        is_returning,
        is_frequent
    from profiles
    union all
    -- §3: only with order lines (the model is empty without them)
    select
        'category' as dimension,
        first_order_categories.first_order_category as value,
        profiles.is_returning,
        profiles.is_frequent
    from profiles
    inner join first_order_categories
        on profiles.user_id = first_order_categories.user_id
),

all_buyers as (
    select count(*) as buyers from profiles
),

grouped as (
    select
        dimension,
        coalesce(value, '(unknown)') as value,
        count(*) as users,
        count(*) filter (where is_returning) as returning_users,
        count(*) filter (where is_frequent) as frequent_users
    from attributes
    group by dimension, coalesce(value, '(unknown)')
),

rated as (
    select
        grouped.*,
        grouped.returning_users / grouped.users as return_rate,
        grouped.users as n,
        -- §3: z of the 95 % Wilson score interval
        cast('1.959963984540054' as double) as z
    from grouped
),

-- §3: Wilson centre (p + z²/2n) / (1 + z²/n) and half-width z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)
wilson as (
    select
        *,
        (return_rate + z * z / (2 * n)) / (1 + z * z / n) as centre,
        z * sqrt(return_rate * (1 - return_rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            as half_width
    from rated
),

final as (
    select
        cast(wilson.dimension as varchar) as dimension,
        cast(wilson.value as varchar) as value,
        cast(wilson.users as bigint) as users,
        cast(wilson.users / all_buyers.buyers as double) as share_of_users,
        cast(wilson.returning_users as bigint) as returning_users,
        cast(wilson.returning_users / wilson.users as double) as return_rate,
        cast(wilson.frequent_users as bigint) as frequent_users,
        cast(wilson.frequent_users / wilson.users as double) as frequent_rate,
        -- §3: Wilson bounds clamped to [0, 1]
        cast(greatest(0, least(1, wilson.centre - wilson.half_width)) as double) as return_rate_ci_low,
        cast(greatest(0, least(1, wilson.centre + wilson.half_width)) as double) as return_rate_ci_high
    from wilson
    cross join all_buyers
)

select * from final
order by dimension, value
