-- mart_clv (SPEC §3): every buyer of int_clv_buyers scored with the current
-- fit in main.mart_clv_model. The closed forms are evaluated here, per
-- buyer; the one part without a closed form, the 2F1 factor of expected
-- purchases, depends on (frequency, tenure_days) only and arrives computed
-- in TypeScript in the temp table clv_purchase_factors. Each formula is
-- written exactly as in src/clv (same operations, same order), and
-- tests/clv checks the two agree for every buyer.
with

buyers as (
    select * from intermediate.int_clv_buyers
),

fit as (
    select * from main.mart_clv_model
),

purchase_factors as (
    select * from clv_purchase_factors
),

-- ln of the odds that a buyer has dropped out (src/clv/bgnbd-score.ts):
-- a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) for x > 0; a buyer without a repeat purchase cannot have
dropout as (
    select
        buyers.*,
        fit.p,
        fit.q,
        fit.v,
        case
            when buyers.frequency > 0 then
                ln(fit.a)
                - ln(fit.b + buyers.frequency - 1)
                + (fit.r + buyers.frequency)
                * (ln(fit.alpha + buyers.tenure_days) - ln(fit.alpha + buyers.recency_days))
        end as log_dropout_odds
    from buyers
    cross join fit
),

-- P(alive) = 1 / (1 + odds), written to stay exact for large |ln odds|
alive as (
    select
        *,
        case
            when frequency = 0 then 1.0
            when log_dropout_odds > 0 then
                exp(-log_dropout_odds) / (1 + exp(-log_dropout_odds))
            else 1 / (1 + exp(log_dropout_odds))
        end as p_alive
    from dropout
),

-- Gamma-Gamma conditional mean spend p(v + x·m)/(p·x + q − 1); null where it is
-- undefined (x = 0 and q ≤ 1: the population mean is infinite)
scored as (
    select
        alive.*,
        alive.p_alive * purchase_factors.purchase_factor as expected_purchases,
        case
            when alive.p * alive.frequency + alive.q - 1 > 0 then
                alive.p * (alive.v + alive.frequency * alive.monetary_value)
                / (alive.p * alive.frequency + alive.q - 1)
        end as expected_avg_revenue
    from alive
    -- left: a buyer without a factor would show as a null, caught by a data test, not vanish
    left join purchase_factors
        on
            alive.frequency = purchase_factors.frequency
            and alive.tenure_days = purchase_factors.tenure_days
),

final as (
    select
        cast(user_id as varchar) as user_id,
        cast(frequency as bigint) as frequency,
        cast(recency_days as integer) as recency_days,
        cast(tenure_days as integer) as tenure_days,
        cast(monetary_value as double) as monetary_value,
        cast(p_alive as double) as p_alive,
        cast(expected_purchases as double) as expected_purchases,
        cast(expected_avg_revenue as double) as expected_avg_revenue,
        -- §3: predicted_clv = expected_purchases × expected_avg_revenue × margin
        cast(
            expected_purchases * expected_avg_revenue * getvariable('margin') as double
        ) as predicted_clv,
        cast(getvariable('clv_horizon_days') as integer) as horizon_days
    from scored
)

select * from final
order by user_id
