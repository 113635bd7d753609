/*
description: >
  The k-means features of every buyer (SPEC §3 mart_clusters): ln(1 +
  recency_days), ln(1 + frequency) and ln(1 + monetary) from mart_rfm, each
  standardised to mean 0 and population standard deviation 1 (a constant
  feature is 0), and whether the buyer is in the deterministic silhouette
  sample: the first 10,000 buyers in md5(user_id) order.
grain: one row per buyer
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  recency_days: {description: mart_rfm.recency_days, type: INTEGER, tests: [not_null]}
  frequency: {description: mart_rfm.frequency, type: BIGINT, tests: [not_null]}
  monetary: {description: mart_rfm.monetary, type: DOUBLE, tests: [not_null]}
  z_recency: {description: standardised ln(1 + recency_days), type: DOUBLE, tests: [not_null]}
  z_frequency: {description: standardised ln(1 + frequency), type: DOUBLE, tests: [not_null]}
  z_monetary: {description: standardised ln(1 + monetary), type: DOUBLE, tests: [not_null]}
  in_sample: {description: "among the first 10,000 buyers by md5(user_id), then user_id", type: BOOLEAN, tests: [not_null]}
tests:
  - reconcile:
      name: one_row_per_buyer
      left: select count(*) from intermediate.int_cluster_features
      right: select count(*) from main.mart_rfm
*/
with

rfm as (
    select * from mart_rfm
),

logged as (
    select
        user_id,
        recency_days,
        frequency,
        monetary,
        ln(1 + recency_days) as log_recency,
        ln(1 + frequency) as log_frequency,
        ln(1 + monetary) as log_monetary
    from rfm
),

-- summed in a fixed order: bit-identical from run to run (SPEC §5), unlike parallel avg
means as (
    select
        fsum(log_recency order by log_recency) / count(*) as mean_recency,
        fsum(log_frequency order by log_frequency) / count(*) as mean_frequency,
        fsum(log_monetary order by log_monetary) / count(*) as mean_monetary,
        -- a constant feature is told by its range: a float mean of equal values may miss them by an ulp
        min(log_recency) = max(log_recency) as constant_recency,
        min(log_frequency) = max(log_frequency) as constant_frequency,
        min(log_monetary) = max(log_monetary) as constant_monetary
    from logged
),

deviations as (
    select
        (logged.log_recency - means.mean_recency) ** 2 as square_recency,
        (logged.log_frequency - means.mean_frequency) ** 2 as square_frequency,
        (logged.log_monetary - means.mean_monetary) ** 2 as square_monetary
    from logged
    cross join means
),

-- population standard deviations, summed in a fixed order as above
moments as (
    select
        means.*,
        sqrt(fsum(square_recency order by square_recency) / count(*)) as sd_recency,
        sqrt(fsum(square_frequency order by square_frequency) / count(*)) as sd_frequency,
        sqrt(fsum(square_monetary order by square_monetary) / count(*)) as sd_monetary
    from deviations
    cross join means
    group by all
),

-- §3: mean 0, population standard deviation 1; a constant feature is 0
standardised as (
    select
        logged.user_id,
        logged.recency_days,
        logged.frequency,
        logged.monetary,
        case
            when not moments.constant_recency
                then (logged.log_recency - moments.mean_recency) / moments.sd_recency
            else 0
        end as z_recency,
        case
            when not moments.constant_frequency
                then (logged.log_frequency - moments.mean_frequency) / moments.sd_frequency
            else 0
        end as z_frequency,
        case
            when not moments.constant_monetary
                then (logged.log_monetary - moments.mean_monetary) / moments.sd_monetary
            else 0
        end as z_monetary
    from logged
    cross join moments
),

-- §3: a deterministic sample of at most 10,000 buyers for the silhouette
final as (
    select
        cast(user_id as varchar) as user_id,
        cast(recency_days as integer) as recency_days,
        cast(frequency as bigint) as frequency,
        cast(monetary as double) as monetary,
        cast(z_recency as double) as z_recency,
        cast(z_frequency as double) as z_frequency,
        cast(z_monetary as double) as z_monetary,
        cast(row_number() over (order by md5(user_id), user_id) <= 10000 as boolean) as in_sample
    from standardised
)

select * from final
order by user_id
