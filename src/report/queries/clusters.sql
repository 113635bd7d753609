-- k-means cluster profiles (mart_cluster_summary), one row per cluster.
select
    cluster,
    k,
    buyers,
    share_of_buyers,
    mean_recency_days,
    mean_frequency,
    mean_monetary,
    revenue_share,
    silhouette,
    label
from main.mart_cluster_summary
order by cluster
