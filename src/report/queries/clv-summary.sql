-- Predicted CLV headline numbers.
select
    count(*) as buyers,
    fsum(predicted_clv) as predicted_clv,
    avg(predicted_clv) as mean_predicted_clv,
    avg(p_alive) as mean_p_alive,
    fsum(expected_purchases) as expected_purchases,
    any_value(horizon_days) as horizon_days
from main.mart_clv
