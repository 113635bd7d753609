-- The $1 buyers with the most value at risk (mart_value_at_risk), in rank order.
select
    risk_rank,
    user_id,
    segment,
    r_score || f_score || m_score as rfm_cell,
    orders_count,
    gross_profit_total,
    days_since_last_order,
    p_alive,
    value_at_risk
from main.mart_value_at_risk
where risk_rank <= $1
order by risk_rank
