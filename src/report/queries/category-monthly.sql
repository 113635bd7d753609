-- Revenue per month and category (mart_category_monthly): the $1 categories
-- with the most revenue by name, every other category as "other categories".
with

months as (
    select * from main.mart_category_monthly
),

ranked as (
    select
        category,
        row_number() over (order by sum(revenue) desc, category) as rank
    from months
    group by category
)

select
    months.month,
    case when ranked.rank <= $1 then months.category else 'other categories' end as category,
    min(ranked.rank) as rank,
    sum(months.revenue) as revenue
from months
inner join ranked
    on months.category = ranked.category
group by all
order by months.month, rank
