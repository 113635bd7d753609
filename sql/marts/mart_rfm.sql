/*
description: >
  RFM scores and segments (SPEC §3 mart_rfm). Score = 1 + floor(5 · (rank −
  1) / n) with SQL RANK() (ties share the lowest rank) ordered so that
  better is later: recency_days descending, frequency and monetary
  ascending; monetary is ranked on round(monetary, 6), so that equal
  amounts whose float sums differ in the last bits tie. Segment from
  r_score and f_score.
grain: one row per buyer
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  recency_days: {description: days_since_last_order, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  frequency: {description: orders_count, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  monetary: {description: revenue_total, type: DOUBLE, tests: [not_null]}
  r_score: {description: recency score 1-5, type: INTEGER, tests: [not_null, {range: {min: 1, max: 5}}]}
  f_score: {description: frequency score 1-5, type: INTEGER, tests: [not_null, {range: {min: 1, max: 5}}]}
  m_score: {description: monetary score 1-5, type: INTEGER, tests: [not_null, {range: {min: 1, max: 5}}]}
  rfm_cell: {description: "the three scores as text, e.g. 545", type: VARCHAR, tests: [not_null]}
  segment:
    type: VARCHAR
    description: segment from r_score and f_score
    tests:
      - not_null
      - accepted_values:
          [hibernating, at_risk, cant_lose, about_to_sleep, need_attention, loyal, promising, new,
           potential_loyalist, champions]
tests:
  - relationships: {column: user_id, to: mart_user_profile, field: user_id}
  - reconcile:
      name: one_row_per_buyer
      left: select count(*) from main.mart_rfm
      right: select count(*) from main.mart_user_profile
*/
with

profiles as (
    select * from mart_user_profile
),

buyer_count as (
    select count(*) as n from profiles
),

-- §3: RANK() gives ties the lowest rank; "better" sorts later. Monetary ranks on
-- round(·, 6): float sums of equal amounts differ in their last bits with the summation order
ranked as (
    select
        user_id,
        days_since_last_order as recency_days,
        orders_count as frequency,
        revenue_total as monetary,
        rank() over (order by days_since_last_order desc) as r_rank,
        rank() over (order by orders_count asc) as f_rank,
        rank() over (order by round(revenue_total, 6) asc) as m_rank
    from profiles
),

-- §3: score = 1 + floor(5 · (rank − 1) / n); integer division floors for non-negative values
scored as (
    select
        ranked.user_id,
        ranked.recency_days,
        ranked.frequency,
        ranked.monetary,
        1 + (5 * (ranked.r_rank - 1)) // buyer_count.n as r_score,
        1 + (5 * (ranked.f_rank - 1)) // buyer_count.n as f_score,
        1 + (5 * (ranked.m_rank - 1)) // buyer_count.n as m_score
    from ranked
    cross join buyer_count
),

-- §3 segment table; every (r, f) pair falls in exactly one branch
segmented as (
    select
        *,
        case
            when r_score <= 2 and f_score <= 2 then 'hibernating'
            when r_score <= 2 and f_score <= 4 then 'at_risk'
            when r_score <= 2 then 'cant_lose'
            when r_score = 3 and f_score <= 2 then 'about_to_sleep'
            when r_score = 3 and f_score = 3 then 'need_attention'
            when r_score <= 4 and f_score >= 4 then 'loyal'
            when r_score = 4 and f_score = 1 then 'promising'
            when r_score = 5 and f_score = 1 then 'new'
            when f_score <= 3 then 'potential_loyalist'
            else 'champions'
        end as segment
    from scored
),

final as (
    select
        cast(user_id as varchar) as user_id,
        cast(recency_days as integer) as recency_days,
        cast(frequency as bigint) as frequency,
        cast(monetary as double) as monetary,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        cast(r_score as varchar) || cast(f_score as varchar) || cast(m_score as varchar) as rfm_cell,
        cast(segment as varchar) as segment
    from segmented
)

select * from final
order by user_id
