-- Return rate per value of each first-order dimension: the $1 values with
-- the most buyers per dimension; weekdays by name.
with

rates as (
    select * from main.mart_return_rates
),

ranked as (
    select
        dimension,
        case
            when dimension = 'weekday' and value in ('1', '2', '3', '4', '5', '6', '7')
                then ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][value::integer]
            else value
        end as value,
        users,
        return_rate,
        return_rate_ci_low,
        return_rate_ci_high,
        row_number() over (partition by dimension order by users desc, value) as rank
    from rates
)

select
    dimension,
    value,
    users,
    return_rate,
    return_rate_ci_low,
    return_rate_ci_high
from ranked
where rank <= $1
order by dimension, users desc, value
