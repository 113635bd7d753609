/*
description: >
  Profiles of the k-means segments (SPEC §3 mart_cluster_summary): size,
  share, mean recency, frequency and monetary of the members (mart_rfm),
  their share of revenue, the mean silhouette of the cluster's sampled
  members and a short label read from the centre (standardised units:
  rounded to 6 decimals, below −0.5 low, above 0.5 high). Empty with fewer than 3 buyers.
grain: one row per cluster
columns:
  cluster: {description: "1..k by ascending mean monetary", type: INTEGER, tests: [unique, not_null, {range: {min: 1}}]}
  k: {description: number of clusters chosen by the largest mean silhouette, type: INTEGER, tests: [not_null, {range: {min: 1}}]}
  buyers: {description: buyers in the cluster, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  share_of_buyers: {description: buyers / all clustered buyers, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  mean_recency_days: {description: mean mart_rfm.recency_days of the members, type: DOUBLE, tests: [not_null]}
  mean_frequency: {description: mean mart_rfm.frequency of the members, type: DOUBLE, tests: [not_null]}
  mean_monetary: {description: mean mart_rfm.monetary of the members, type: DOUBLE, tests: [not_null]}
  revenue_share: {description: "the members' monetary / all buyers' monetary; null when that is 0", type: DOUBLE, tests: [{range: {min: 0, max: 1}}]}
  silhouette: {description: "mean silhouette of the cluster's sampled members (0 for a member alone in its cluster); null when none was sampled", type: DOUBLE, tests: [{range: {min: -1, max: 1}}]}
  label: {description: "recency, frequency and spend of the centre in words, e.g. recent frequent high-spend", type: VARCHAR, tests: [not_null]}
tests:
  - reconcile:
      name: cluster_sizes_add_up_to_buyers
      left: select coalesce(sum(buyers), 0) from main.mart_cluster_summary
      right: select count(*) from main.mart_clusters
  - reconcile:
      name: k_rows
      left: select count(*) from main.mart_cluster_summary
      right: select coalesce(max(k), 0) from main.mart_cluster_summary
  - expression:
      name: numbered_by_mean_monetary
      check: mean_monetary >= coalesce((select max(inner_summary.mean_monetary) from main.mart_cluster_summary as inner_summary where inner_summary.cluster < mart_cluster_summary.cluster), mean_monetary)
*/
with

clusters as (
    select * from mart_clusters
),

rfm as (
    select * from mart_rfm
),

centres as (
    select * from intermediate.int_cluster_centres
),

members as (
    select
        clusters.cluster,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary
    from clusters
    inner join rfm
        on clusters.user_id = rfm.user_id
),

-- summed in a fixed order: bit-identical from run to run (SPEC §5)
totals as (
    select
        count(*) as buyers,
        fsum(monetary order by monetary) as monetary
    from members
),

grouped as (
    select
        cluster,
        count(*) as buyers,
        fsum(recency_days order by recency_days) / count(*) as mean_recency_days,
        fsum(frequency order by frequency) / count(*) as mean_frequency,
        fsum(monetary order by monetary) / count(*) as mean_monetary,
        fsum(monetary order by monetary) as monetary
    from members
    group by cluster
),

-- a label from the centre, each standardised feature read as low (< −0.5), middle or high (> 0.5);
-- rounded first, so that a centre at exactly ±0.5 reads the same whatever order its mean was summed in
labelled as (
    select
        cluster,
        k,
        silhouette,
        concat_ws(
            ' ',
            case
                when round(centre_recency, 6) < -0.5 then 'recent'
                when round(centre_recency, 6) > 0.5 then 'lapsed'
                else 'cooling'
            end,
            case
                when round(centre_frequency, 6) > 0.5 then 'frequent'
                when round(centre_frequency, 6) < -0.5 then 'one-off'
                else 'occasional'
            end,
            case
                when round(centre_monetary, 6) > 0.5 then 'high-spend'
                when round(centre_monetary, 6) < -0.5 then 'low-spend'
                else 'mid-spend'
            end
        ) as label
    from centres
),

final as (
    select
        cast(grouped.cluster as integer) as cluster,
        cast(labelled.k as integer) as k,
        cast(grouped.buyers as bigint) as buyers,
        cast(grouped.buyers / totals.buyers as double) as share_of_buyers,
        cast(grouped.mean_recency_days as double) as mean_recency_days,
        cast(grouped.mean_frequency as double) as mean_frequency,
        cast(grouped.mean_monetary as double) as mean_monetary,
        cast(case when totals.monetary <> 0 then grouped.monetary / totals.monetary end as double)
            as revenue_share,
        cast(labelled.silhouette as double) as silhouette,
        cast(labelled.label as varchar) as label
    from grouped
    inner join labelled
        on grouped.cluster = labelled.cluster
    cross join totals
)

select * from final
order by cluster
