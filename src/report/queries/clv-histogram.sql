-- Distribution of predicted CLV in $1 equal bins up to the 99th percentile
-- (the maximum when that is 0, and 1 when every value is 0); buyers above
-- it fall in the last bin, which is flagged open.
with

clv as (
    select * from main.mart_clv
),

bounds as (
    select
        case
            when quantile_cont(predicted_clv, 0.99) > 0 then quantile_cont(predicted_clv, 0.99)
            when max(predicted_clv) > 0 then max(predicted_clv)
            else 1
        end as top
    from clv
),

binned as (
    select
        least(floor(clv.predicted_clv / (bounds.top / $1)), $1 - 1)::integer as bin,
        bounds.top / $1 as width,
        clv.predicted_clv > bounds.top as above
    from clv
    cross join bounds
),

final as (
    select
        bin,
        bin * any_value(width) as bin_start,
        (bin + 1) * any_value(width) as bin_end,
        count(*) as buyers,
        bool_or(above) as open_ended
    from binned
    group by bin
)

select * from final
order by bin
