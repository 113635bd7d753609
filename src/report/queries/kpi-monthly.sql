-- Revenue per month from new and returning buyers, and new buyers.
select
    strftime(month, '%Y-%m-%d') as month,
    revenue_new_buyers,
    revenue_returning_buyers,
    new_buyers,
    buyers
from main.mart_kpi_monthly
order by month
