-- How many valuable buyers are slipping away and what they are worth (mart_value_at_risk).
select
    count(*) as buyers,
    fsum(value_at_risk) as value_at_risk
from main.mart_value_at_risk
