/*
description: >
  Customer acquisition cost per month and source (SPEC §3 mart_cac): one
  row per source with staged costs or new buyers that month, (unknown) for
  new buyers without an acquisition source (costs 0), and (all) with all
  costs and all new buyers of the month. cac_basis is `costs`, or, when the
  setting assumedCac is set and the month has no staged cost rows at all,
  `assumed` with cac = assumedCac on every row of the month (costs stay 0).
grain: one row per (month, source_id)
columns:
  month: {description: first day of the month, type: DATE, tests: [not_null]}
  source_id: {description: "acquisition source, (unknown) or (all)", type: VARCHAR, tests: [not_null]}
  costs: {description: staged costs of the source in the month, type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
  new_buyers: {description: buyers whose first order fell in the month and who were acquired by the source, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  cac: {description: "costs / new_buyers (null when new_buyers = 0); assumedCac when cac_basis = assumed", type: DOUBLE, tests: [{range: {min: 0}}]}
  cac_basis: {description: "costs, or assumed: a month without staged cost rows priced at the assumedCac setting", type: VARCHAR, tests: [not_null, {accepted_values: [costs, assumed]}]}
tests:
  - unique: {columns: [month, source_id]}
  - expression: {name: cac_null_without_buyers, check: "cac_basis = 'assumed' or (cac is null) = (new_buyers = 0)"}
  - expression: {name: assumed_months_have_no_costs, check: "cac_basis = 'costs' or costs = 0"}
  - reconcile:
      name: all_costs_match_staged_costs
      left: select coalesce(fsum(costs), 0) from main.mart_cac where source_id = '(all)'
      right: select coalesce(fsum(costs), 0) from staging.stg_costs
  - reconcile:
      name: all_new_buyers_match_buyers
      left: select coalesce(sum(new_buyers), 0) from main.mart_cac where source_id = '(all)'
      right: select count(*) from intermediate.int_buyers
*/
with

buyers as (
    select * from intermediate.int_buyers
),

costs as (
    select * from staging.stg_costs
),

-- buyers without an acquisition source are already (unknown) here (§2)
new_buyers_by_source as (
    select
        cast(date_trunc('month', first_order_at) as date) as month,
        acquisition_source_id as source_id,
        count(*) as new_buyers
    from buyers
    group by 1, 2
),

costs_by_source as (
    select
        cast(date_trunc('month', dt) as date) as month,
        source_id,
        -- summed in a fixed order: bit-identical from run to run (SPEC §5), unlike parallel fsum
        fsum(costs order by costs) as costs
    from costs
    group by 1, 2
),

by_source as (
    select
        month,
        source_id,
        coalesce(costs_by_source.costs, 0) as costs,
        coalesce(new_buyers_by_source.new_buyers, 0) as new_buyers
    from costs_by_source
    full outer join new_buyers_by_source using (month, source_id)
),

all_costs_by_month as (
    select
        cast(date_trunc('month', dt) as date) as month,
        fsum(costs order by costs) as costs
    from costs
    group by 1
),

all_new_buyers_by_month as (
    select
        cast(date_trunc('month', first_order_at) as date) as month,
        count(*) as new_buyers
    from buyers
    group by 1
),

-- (all): every cost and every new buyer of a month that has any row above
all_sources as (
    select
        months.month,
        '(all)' as source_id,
        coalesce(all_costs_by_month.costs, 0) as costs,
        coalesce(all_new_buyers_by_month.new_buyers, 0) as new_buyers
    from (select distinct month from by_source) as months
    left join all_costs_by_month
        on months.month = all_costs_by_month.month
    left join all_new_buyers_by_month
        on months.month = all_new_buyers_by_month.month
),

combined as (
    select * from by_source
    union all
    select * from all_sources
),

-- §3: a month with no staged cost rows at all is priced at assumedCac when that is set
months_with_costs as (
    select distinct cast(date_trunc('month', dt) as date) as month from costs
),

based as (
    select
        combined.*,
        case
            when getvariable('assumed_cac') is not null and months_with_costs.month is null
                then 'assumed'
            else 'costs'
        end as cac_basis
    from combined
    left join months_with_costs
        on combined.month = months_with_costs.month
),

final as (
    select
        cast(month as date) as month,
        cast(source_id as varchar) as source_id,
        cast(costs as double) as costs,
        cast(new_buyers as bigint) as new_buyers,
        cast(
            case
                when cac_basis = 'assumed' then getvariable('assumed_cac')
                when new_buyers > 0 then costs / new_buyers
            end as double
        ) as cac,
        cast(cac_basis as varchar) as cac_basis
    from based
)

select * from final
order by month, source_id
