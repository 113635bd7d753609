/*
description: >
  Behavioural segments by k-means (SPEC §3 mart_clusters): every buyer in
  the cluster of its nearest centre of int_cluster_centres (ties: the
  smaller cluster), with the Euclidean distance to it in standardised
  units. Features: ln(1 + recency_days), ln(1 + frequency), ln(1 +
  monetary), standardised. Empty with fewer than 3 buyers.
grain: one row per buyer
columns:
  user_id: {description: buyer, type: VARCHAR, tests: [unique, not_null]}
  cluster: {description: "1..k, numbered by ascending mean monetary", type: INTEGER, tests: [not_null, {range: {min: 1}}]}
  distance: {description: Euclidean distance to the cluster's centre in standardised units, type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
tests:
  - relationships: {column: user_id, to: mart_rfm, field: user_id}
  - relationships: {column: cluster, to: int_cluster_centres, field: cluster}
  - reconcile:
      name: clustered_buyers_match_buyers
      left: select count(*) from main.mart_clusters
      right: select case when count(*) >= 3 and (select count(*) from intermediate.int_cluster_centres) > 0 then count(*) else 0 end from main.mart_rfm
*/
with

features as (
    select * from intermediate.int_cluster_features
),

centres as (
    select * from intermediate.int_cluster_centres
),

-- squared distances summed in the order of src/cluster/kmeans.ts, so SQL and the fit agree bit for bit
distances as (
    select
        features.user_id,
        centres.cluster,
        (features.z_recency - centres.centre_recency) * (features.z_recency - centres.centre_recency)
        + (features.z_frequency - centres.centre_frequency) * (features.z_frequency - centres.centre_frequency)
        + (features.z_monetary - centres.centre_monetary) * (features.z_monetary - centres.centre_monetary)
            as squared_distance
    from features
    cross join centres
),

-- the nearest centre; equal distances go to the smaller cluster number
nearest as (
    select
        user_id,
        min({'squared_distance': squared_distance, 'cluster': cluster}) as nearest
    from distances
    group by user_id
),

final as (
    select
        cast(user_id as varchar) as user_id,
        cast(nearest.cluster as integer) as cluster,
        cast(sqrt(nearest.squared_distance) as double) as distance
    from nearest
)

select * from final
order by user_id
