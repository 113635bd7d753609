-- P(alive) against days since the last purchase (tenure − recency): buyers
-- per cell of at most ~40 day bins × 0.05 of P(alive), and the mean P(alive)
-- of each day bin.
with

clv as (
    select * from main.mart_clv
),

bin_width as (
    select greatest(1, ceil(max(tenure_days - recency_days + 1) / 40))::integer as days
    from clv
),

binned as (
    select
        ((clv.tenure_days - clv.recency_days) // bin_width.days) * bin_width.days as days_since_last,
        least(floor(clv.p_alive * 20), 19) / 20 as p_alive_bin,
        bin_width.days as bin_days,
        clv.p_alive
    from clv
    cross join bin_width
),

cells as (
    select
        days_since_last,
        bin_days,
        p_alive_bin,
        count(*) as buyers
    from binned
    group by all
),

day_bins as (
    select
        days_since_last,
        avg(p_alive) as mean_p_alive
    from binned
    group by all
),

final as (
    select
        cells.days_since_last,
        cells.bin_days,
        cells.p_alive_bin,
        cells.buyers,
        day_bins.mean_p_alive
    from cells
    inner join day_bins on day_bins.days_since_last = cells.days_since_last
)

select * from final
order by days_since_last, p_alive_bin
