-- Buyers and revenue per RFM segment.
with

rfm as (
    select * from main.mart_rfm
),

final as (
    select
        segment,
        count(*) as buyers,
        fsum(monetary) as revenue
    from rfm
    group by segment
)

select * from final
order by buyers desc, segment
