-- The hand-written DuckDB baseline of `npm run bench` (issue 14): the SPEC §1
-- staging rules and the main SPEC §3 marts computed straight from the local
-- CSV exports, the way a data engineer would write them for speed. No lineage,
-- quarantine, versions or data tests: only the tables the marts need.
--
-- bench/handwritten-duckdb.ts sets these variables and runs the statements in
-- order (each ends with `;` at the end of a line), timing each one:
--   visits_files, orders_files, events_files, costs_files, fx_rates_files
--       VARCHAR[]: the exports of each source
--   base_currency VARCHAR, margin DOUBLE, assumed_cac DOUBLE (null when unset)
--
-- Not covered: order_lines (§1.2: mart_category_monthly and the return-rate
-- dimension `category`), the CLV and k-means code models and the marts built
-- on them (mart_clv*, mart_value_at_risk, mart_clusters, mart_cluster_summary)
-- and mart_headlines. The exports are the generator's: CSV with a header in
-- SPEC §1 column order, so columns are declared by position with their types
-- and nothing is sniffed; a value that does not cast drops its row
-- (ignore_errors), as ingest rejects it.

-- section: load and stage

-- Last-modified time of every export with keyed rows: the first tie-break of
-- the §1 key rule (visits need none: a key is the whole row). read_blob reads
-- no contents when they are not selected.
create table file_times as
select
    filename,
    last_modified
from read_blob(
    getvariable('orders_files') || getvariable('events_files')
    || getvariable('costs_files') || getvariable('fx_rates_files')
);

-- Raw keyed sources, in file-list order (insertion order is kept, so rowid
-- orders the rows of a file). NaN and Infinity are not valid values (§1).
create table raw_orders as
select *
from read_csv(
    getvariable('orders_files'),
    header = true, auto_detect = false, filename = true, ignore_errors = true,
    columns = {
        'order_id': 'VARCHAR', 'user_id': 'VARCHAR', 'created_at': 'TIMESTAMP',
        'revenue': 'DOUBLE', 'currency': 'VARCHAR', 'tickets_count': 'BIGINT',
        'service': 'VARCHAR', 'event_id': 'VARCHAR', 'device': 'VARCHAR'
    }
)
where revenue is null or isfinite(revenue);

create table raw_events as
select *
from read_csv(
    getvariable('events_files'),
    header = true, auto_detect = false, filename = true, ignore_errors = true,
    columns = {'event_id': 'VARCHAR', 'event_type': 'VARCHAR', 'region': 'VARCHAR', 'city': 'VARCHAR'}
);

create table raw_costs as
select *
from read_csv(
    getvariable('costs_files'),
    header = true, auto_detect = false, filename = true, ignore_errors = true,
    columns = {'dt': 'DATE', 'source_id': 'VARCHAR', 'costs': 'DOUBLE'}
)
where costs is null or isfinite(costs);

create table raw_fx_rates as
select *
from read_csv(
    getvariable('fx_rates_files'),
    header = true, auto_detect = false, filename = true, ignore_errors = true,
    columns = {'dt': 'DATE', 'currency': 'VARCHAR', 'rate': 'DOUBLE'}
)
where rate is null or isfinite(rate);

-- §1 visits: the key is all five columns, so the duplicates of a key are equal
-- and one distinct pass stages them; rows with an empty required column or
-- ending before they start are quarantined.
create table stg_visits as
select distinct
    user_id,
    session_start,
    session_end,
    device,
    source_id
from read_csv(
    getvariable('visits_files'),
    header = true, auto_detect = false, ignore_errors = true,
    columns = {
        'user_id': 'VARCHAR', 'session_start': 'TIMESTAMP', 'session_end': 'TIMESTAMP',
        'device': 'VARCHAR', 'source_id': 'VARCHAR'
    }
)
where user_id is not null
    and session_start is not null
    and session_end is not null
    and session_end >= session_start;

-- §1 key rule: the row of the most recently modified file wins, then the
-- greater file name, then the later row of the file.
create table stg_events as
select
    raw_events.event_id,
    raw_events.event_type,
    raw_events.region,
    raw_events.city
from raw_events
inner join file_times using (filename)
where raw_events.event_id is not null
qualify row_number() over (
    partition by raw_events.event_id
    order by file_times.last_modified desc, raw_events.filename desc, raw_events.rowid desc
) = 1;

create table stg_costs as
with winners as (
    select
        raw_costs.dt,
        raw_costs.source_id,
        raw_costs.costs
    from raw_costs
    inner join file_times using (filename)
    where raw_costs.dt is not null and raw_costs.source_id is not null and raw_costs.costs is not null
    qualify row_number() over (
        partition by raw_costs.dt, raw_costs.source_id
        order by file_times.last_modified desc, raw_costs.filename desc, raw_costs.rowid desc
    ) = 1
)
-- §1: a key whose winner has negative costs has no staged row
select * from winners
where costs >= 0;

create table stg_fx_rates as
select
    raw_fx_rates.dt,
    raw_fx_rates.currency,
    raw_fx_rates.rate
from raw_fx_rates
inner join file_times using (filename)
where raw_fx_rates.dt is not null and raw_fx_rates.currency is not null and raw_fx_rates.rate is not null
qualify row_number() over (
    partition by raw_fx_rates.dt, raw_fx_rates.currency
    order by file_times.last_modified desc, raw_fx_rates.filename desc, raw_fx_rates.rowid desc
) = 1;

-- §1 orders: required columns, the key rule, then the winner is dropped for
-- negative revenue or a foreign currency without a rate; revenue in the base
-- currency at the latest rate on or before the order's date.
create table stg_orders as
with

winners as (
    select raw_orders.* exclude (filename)
    from raw_orders
    inner join file_times using (filename)
    where raw_orders.order_id is not null
        and raw_orders.user_id is not null
        and raw_orders.created_at is not null
        and raw_orders.revenue is not null
    qualify row_number() over (
        partition by raw_orders.order_id
        order by file_times.last_modified desc, raw_orders.filename desc, raw_orders.rowid desc
    ) = 1
),

foreign_rates as (
    select * from stg_fx_rates
    where currency <> getvariable('base_currency')
),

converted as (
    select
        winners.*,
        case
            when winners.currency is null or winners.currency = getvariable('base_currency') then 1
            else foreign_rates.rate
        end as fx_rate
    from winners
    asof left join foreign_rates
        on winners.currency = foreign_rates.currency
        and cast(winners.created_at as date) >= foreign_rates.dt
)

select
    order_id,
    user_id,
    created_at,
    revenue * fx_rate as revenue,
    tickets_count,
    service,
    event_id,
    device
from converted
where revenue >= 0 and fx_rate is not null;

-- section: marts

-- §2 data_as_of: the latest staged session start or order
create table as_of as
select
    max(activity_at) as data_as_of,
    cast(max(activity_at) as date) as as_of_date
from (
    select max(session_start) as activity_at from stg_visits
    union all
    select max(created_at) from stg_orders
);

-- §2 first visit: smallest session_start, then smallest source_id, a missing one last
create table first_visits as
select
    user_id,
    min(session_start) as first_visit_at,
    arg_min_null(source_id, (session_start, source_id is null, coalesce(source_id, ''))) as source_id
from stg_visits
group by user_id;

-- §2 buyers in one pass over the orders: totals and the first order (smallest
-- created_at, then smallest order_id), with its event and the first visit
create table buyers as
with

totals as (
    select
        user_id,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        count(*) as orders_count,
        sum(revenue) as revenue_total,
        avg(tickets_count) as avg_tickets_per_order,
        arg_min(
            {'device': device, 'service': service, 'event_id': event_id},
            (created_at, order_id)
        ) as first_order
    from stg_orders
    group by user_id
)

select
    totals.* exclude (first_order),
    totals.first_order.device as first_order_device,
    totals.first_order.service as first_order_service,
    stg_events.region as first_order_region,
    stg_events.event_type as first_order_event_type,
    first_visits.first_visit_at,
    coalesce(first_visits.source_id, '(unknown)') as acquisition_source_id
from totals
left join stg_events
    on totals.first_order.event_id = stg_events.event_id
left join first_visits
    on totals.user_id = first_visits.user_id;

-- Every staged order with its buyer's cohorts and acquisition source, and its
-- lifetime in months and weeks (§2: 12·Δyear + Δmonth; Δdays / 7 between Mondays)
create table order_facts as
with placed as (
    select
        stg_orders.user_id,
        stg_orders.revenue,
        cast(date_trunc('month', stg_orders.created_at) as date) as order_month,
        cast(date_trunc('week', stg_orders.created_at) as date) as order_week,
        cast(date_trunc('month', buyers.first_order_at) as date) as cohort_month,
        cast(date_trunc('week', buyers.first_order_at) as date) as cohort_week,
        buyers.acquisition_source_id
    from stg_orders
    inner join buyers
        on stg_orders.user_id = buyers.user_id
)
select
    *,
    cast(
        12 * (year(order_month) - year(cohort_month)) + month(order_month) - month(cohort_month)
        as integer
    ) as month_lifetime,
    cast(date_diff('day', cohort_week, order_week) // 7 as integer) as week_lifetime
from placed;

-- §2 dense lifetimes of every non-empty cohort, up to the period holding as_of_date
create table cohort_lifetimes as
with

members as (
    select
        'visits' as basis,
        cast(date_trunc('week', first_visit_at) as date) as cohort_week,
        cast(date_trunc('month', first_visit_at) as date) as cohort_month
    from first_visits
    union all
    select
        'orders',
        cast(date_trunc('week', first_order_at) as date),
        cast(date_trunc('month', first_order_at) as date)
    from buyers
),

cohorts as (
    select basis, 'week' as grain, cohort_week as cohort_start, count(*) as cohort_size
    from members
    group by basis, cohort_week
    union all
    select basis, 'month', cohort_month, count(*)
    from members
    group by basis, cohort_month
),

bounded as (
    select
        cohorts.*,
        case cohorts.grain
            when 'month' then
                12 * (year(as_of.as_of_date) - year(cohorts.cohort_start))
                + month(as_of.as_of_date) - month(cohorts.cohort_start)
            else date_diff('day', cohorts.cohort_start, cast(date_trunc('week', as_of.as_of_date) as date)) // 7
        end as last_lifetime
    from cohorts
    cross join as_of
)

select
    basis,
    grain,
    cohort_start,
    cohort_size,
    cast(unnest(generate_series(0, last_lifetime)) as integer) as lifetime
from bounded;

create table mart_user_profile as
select
    buyers.user_id,
    buyers.first_order_at,
    buyers.last_order_at,
    buyers.orders_count,
    buyers.revenue_total,
    buyers.revenue_total / buyers.orders_count as avg_order_revenue,
    buyers.avg_tickets_per_order,
    case
        when buyers.orders_count > 1 then
            date_diff('microsecond', buyers.first_order_at, buyers.last_order_at)
            / 86400e6 / (buyers.orders_count - 1)
    end as avg_days_between_orders,
    buyers.first_order_device,
    buyers.first_order_region,
    buyers.first_order_service,
    buyers.first_order_event_type,
    cast(isodow(buyers.first_order_at) as integer) as first_order_weekday,
    buyers.acquisition_source_id,
    buyers.first_visit_at,
    case
        when buyers.orders_count >= 5 then '5+'
        when buyers.orders_count >= 2 then '2-4'
        else '1'
    end as order_count_segment,
    buyers.orders_count >= 2 as is_returning,
    buyers.orders_count >= 5 as is_frequent,
    cast(as_of.as_of_date - cast(buyers.last_order_at as date) as integer) as days_since_last_order,
    date_diff('microsecond', buyers.first_visit_at, buyers.first_order_at) / 60e6 as minutes_to_first_order
from buyers
cross join as_of;

-- §3 one row per month from the first to the last month with orders, visits or costs
create table mart_kpi_monthly as
with

bounds as (
    select
        min(first_month) as first_month,
        max(last_month) as last_month
    from (
        select min(order_month) as first_month, max(order_month) as last_month from order_facts
        union all
        select
            cast(date_trunc('month', min(session_start)) as date),
            cast(date_trunc('month', max(session_start)) as date)
        from stg_visits
        union all
        select
            cast(date_trunc('month', min(dt)) as date),
            cast(date_trunc('month', max(dt)) as date)
        from stg_costs
    )
),

months as (
    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as month
    from bounds
    where first_month is not null
),

monthly_orders as (
    select
        order_month as month,
        count(distinct user_id) as buyers,
        count(*) as orders,
        sum(revenue) as revenue,
        sum(revenue) filter (where cohort_month = order_month) as revenue_new_buyers,
        sum(revenue) filter (where cohort_month < order_month) as revenue_returning_buyers
    from order_facts
    group by order_month
),

new_buyers as (
    select
        cast(date_trunc('month', first_order_at) as date) as month,
        count(*) as new_buyers
    from buyers
    group by 1
),

monthly_costs as (
    select
        cast(date_trunc('month', dt) as date) as month,
        sum(costs) as costs
    from stg_costs
    group by 1
)

select
    months.month,
    coalesce(monthly_orders.buyers, 0) as buyers,
    coalesce(new_buyers.new_buyers, 0) as new_buyers,
    coalesce(monthly_orders.buyers, 0) - coalesce(new_buyers.new_buyers, 0) as returning_buyers,
    coalesce(monthly_orders.orders, 0) as orders,
    coalesce(monthly_orders.revenue, 0) as revenue,
    monthly_orders.revenue / monthly_orders.orders as avg_check,
    monthly_orders.orders / monthly_orders.buyers as orders_per_buyer,
    coalesce(monthly_orders.revenue_new_buyers, 0) as revenue_new_buyers,
    coalesce(monthly_orders.revenue_returning_buyers, 0) as revenue_returning_buyers,
    coalesce(monthly_costs.costs, 0) as costs
from months
left join monthly_orders using (month)
left join new_buyers using (month)
left join monthly_costs using (month);

-- §3 every session counted in its day, week and month, in one grouped pass
create table mart_activity as
with sessions as (
    select
        user_id,
        cast(session_start as date) as day,
        cast(date_trunc('week', session_start) as date) as week,
        cast(date_trunc('month', session_start) as date) as month,
        date_diff('microsecond', session_start, session_end) as microseconds
    from stg_visits
)
select
    case when grouping(day) = 0 then 'day' when grouping(week) = 0 then 'week' else 'month' end as grain,
    coalesce(day, week, month) as period_start,
    count(distinct user_id) as active_users,
    count(*) as sessions,
    -- integer microseconds sum exactly
    avg(microseconds) / 1e6 as avg_session_seconds
from sessions
group by grouping sets ((day), (week), (month));

create table mart_activity_summary as
with by_grain as (
    select
        avg(active_users) filter (where grain = 'day') as dau,
        avg(active_users) filter (where grain = 'week') as wau,
        avg(active_users) filter (where grain = 'month') as mau,
        avg(sessions / active_users) filter (where grain = 'day') as sessions_per_user_per_day,
        sum(sessions * avg_session_seconds) filter (where grain = 'day')
            / sum(sessions) filter (where grain = 'day') as avg_session_seconds
    from mart_activity
)
select
    dau,
    wau,
    mau,
    dau / wau as sticky_wau,
    dau / mau as sticky_mau,
    sessions_per_user_per_day,
    avg_session_seconds
from by_grain;

-- §3 retention: distinct active members per cohort and lifetime, dense over
-- the cohort's lifetimes (a lifetime without activity has zeros)
create table mart_retention as
with

visit_activity as (
    select
        stg_visits.user_id,
        cast(date_trunc('week', first_visits.first_visit_at) as date) as cohort_week,
        cast(date_trunc('month', first_visits.first_visit_at) as date) as cohort_month,
        cast(date_trunc('week', stg_visits.session_start) as date) as week,
        cast(date_trunc('month', stg_visits.session_start) as date) as month
    from stg_visits
    inner join first_visits
        on stg_visits.user_id = first_visits.user_id
),

visit_active as (
    select
        case when grouping(week) = 0 then 'week' else 'month' end as grain,
        coalesce(cohort_week, cohort_month) as cohort_start,
        case
            when grouping(week) = 0 then date_diff('day', cohort_week, week) // 7
            else 12 * (year(month) - year(cohort_month)) + month(month) - month(cohort_month)
        end as lifetime,
        count(distinct user_id) as active_users
    from visit_activity
    group by grouping sets ((cohort_week, week), (cohort_month, month))
),

order_active as (
    select
        case when grouping(week_lifetime) = 0 then 'week' else 'month' end as grain,
        coalesce(cohort_week, cohort_month) as cohort_start,
        coalesce(week_lifetime, month_lifetime) as lifetime,
        count(distinct user_id) as active_users
    from order_facts
    group by grouping sets ((cohort_week, week_lifetime), (cohort_month, month_lifetime))
),

active as (
    select 'visits' as basis, * from visit_active
    union all
    select 'orders' as basis, * from order_active
)

select
    cohort_lifetimes.basis,
    cohort_lifetimes.grain,
    cohort_lifetimes.cohort_start,
    cohort_lifetimes.lifetime,
    cohort_lifetimes.cohort_size,
    coalesce(active.active_users, 0) as active_users,
    coalesce(active.active_users, 0) / cohort_lifetimes.cohort_size as retention_rate
from cohort_lifetimes
left join active
    on cohort_lifetimes.basis = active.basis
    and cohort_lifetimes.grain = active.grain
    and cohort_lifetimes.cohort_start = active.cohort_start
    and cohort_lifetimes.lifetime = active.lifetime;

-- §3 LTV of buyer cohorts: orders and gross profit per lifetime, cumulated
create table mart_ltv as
with

per_lifetime as (
    select
        case when grouping(week_lifetime) = 0 then 'week' else 'month' end as grain,
        coalesce(cohort_week, cohort_month) as cohort_start,
        coalesce(week_lifetime, month_lifetime) as lifetime,
        count(*) as orders,
        sum(revenue) as revenue
    from order_facts
    group by grouping sets ((cohort_week, week_lifetime), (cohort_month, month_lifetime))
),

dense as (
    select
        cohort_lifetimes.grain,
        cohort_lifetimes.cohort_start,
        cohort_lifetimes.lifetime,
        cohort_lifetimes.cohort_size,
        coalesce(per_lifetime.orders, 0) as orders,
        coalesce(per_lifetime.revenue, 0) as revenue,
        coalesce(per_lifetime.revenue, 0) * getvariable('margin') as gross_profit
    from cohort_lifetimes
    left join per_lifetime
        on cohort_lifetimes.grain = per_lifetime.grain
        and cohort_lifetimes.cohort_start = per_lifetime.cohort_start
        and cohort_lifetimes.lifetime = per_lifetime.lifetime
    where cohort_lifetimes.basis = 'orders'
),

cumulated as (
    select
        *,
        sum(gross_profit) over (
            partition by grain, cohort_start order by lifetime
        ) as cum_gross_profit
    from dense
)

select
    *,
    cum_gross_profit / cohort_size as ltv
from cumulated;

-- §3 CAC per month and acquisition source, (unknown) and (all)
create table mart_cac as
with

new_buyers as (
    select
        cast(date_trunc('month', first_order_at) as date) as month,
        acquisition_source_id as source_id,
        count(*) as new_buyers
    from buyers
    group by all
),

costs as (
    select
        cast(date_trunc('month', dt) as date) as month,
        source_id,
        sum(costs) as costs
    from stg_costs
    group by all
),

by_source as (
    select
        month,
        source_id,
        coalesce(costs.costs, 0) as costs,
        coalesce(new_buyers.new_buyers, 0) as new_buyers,
        costs.costs is not null as has_costs
    from costs
    full outer join new_buyers using (month, source_id)
),

-- (all) is the sum of the month's rows: every cost and every new buyer
combined as (
    select * from by_source
    union all
    select
        month,
        '(all)',
        sum(costs),
        cast(sum(new_buyers) as bigint),
        bool_or(has_costs)
    from by_source
    group by month
),

-- §3: a month without any staged cost row is priced at assumedCac when that is set
based as (
    select
        month,
        source_id,
        costs,
        new_buyers,
        case
            when getvariable('assumed_cac') is not null
                and not bool_or(has_costs) over (partition by month) then 'assumed'
            else 'costs'
        end as cac_basis
    from combined
)

select
    month,
    source_id,
    costs,
    new_buyers,
    case
        when cac_basis = 'assumed' then cast(getvariable('assumed_cac') as double)
        when new_buyers > 0 then costs / new_buyers
    end as cac,
    cac_basis
from based;

-- §3 ROMI of every CAC row with new buyers, with its payback lifetime
create table mart_romi as
with

cohorts as (
    select
        month as cohort_start,
        source_id,
        new_buyers,
        cac,
        cac_basis
    from mart_cac
    where new_buyers > 0
),

-- each order counts for its buyer's acquisition source and for (all)
per_lifetime as (
    select
        cohort_month as cohort_start,
        case when grouping(acquisition_source_id) = 0 then acquisition_source_id else '(all)' end
            as source_id,
        month_lifetime as lifetime,
        sum(revenue) as revenue
    from order_facts
    group by grouping sets ((cohort_month, acquisition_source_id, month_lifetime), (cohort_month, month_lifetime))
),

valued as (
    select
        cohorts.cohort_start,
        cohorts.source_id,
        cohort_lifetimes.lifetime,
        cohorts.new_buyers,
        cohorts.cac,
        cohorts.cac_basis,
        sum(coalesce(per_lifetime.revenue, 0) * getvariable('margin')) over (
            partition by cohorts.cohort_start, cohorts.source_id order by cohort_lifetimes.lifetime
        ) / cohorts.new_buyers as ltv
    from cohorts
    inner join cohort_lifetimes
        on cohort_lifetimes.basis = 'orders'
        and cohort_lifetimes.grain = 'month'
        and cohorts.cohort_start = cohort_lifetimes.cohort_start
    left join per_lifetime
        on cohorts.cohort_start = per_lifetime.cohort_start
        and cohorts.source_id = per_lifetime.source_id
        and cohort_lifetimes.lifetime = per_lifetime.lifetime
),

with_romi as (
    select
        *,
        case when cac <> 0 then ltv / cac end as romi
    from valued
)

select
    cohort_start,
    source_id,
    lifetime,
    new_buyers,
    cac,
    ltv,
    romi,
    min(lifetime) filter (where romi >= 1) over (partition by cohort_start, source_id) as payback_lifetime,
    cac_basis
from with_romi;

-- §3 RFM: RANK() with "better" later; monetary ranked on round(·, 6)
create table mart_rfm as
with

ranked as (
    select
        user_id,
        days_since_last_order as recency_days,
        orders_count as frequency,
        revenue_total as monetary,
        rank() over (order by days_since_last_order desc) as r_rank,
        rank() over (order by orders_count) as f_rank,
        rank() over (order by round(revenue_total, 6)) as m_rank,
        count(*) over () as n
    from mart_user_profile
),

scored as (
    select
        user_id,
        recency_days,
        frequency,
        monetary,
        cast(1 + (5 * (r_rank - 1)) // n as integer) as r_score,
        cast(1 + (5 * (f_rank - 1)) // n as integer) as f_score,
        cast(1 + (5 * (m_rank - 1)) // n as integer) as m_score
    from ranked
)

select
    *,
    cast(r_score as varchar) || cast(f_score as varchar) || cast(m_score as varchar) as rfm_cell,
    case
        when r_score <= 2 and f_score <= 2 then 'hibernating'
        when r_score <= 2 and f_score <= 4 then 'at_risk'
        when r_score <= 2 then 'cant_lose'
        when r_score = 3 and f_score <= 2 then 'about_to_sleep'
        when r_score = 3 and f_score = 3 then 'need_attention'
        when r_score <= 4 and f_score >= 4 then 'loyal'
        when r_score = 4 and f_score = 1 then 'promising'
        when r_score = 5 and f_score = 1 then 'new'
        when f_score <= 3 then 'potential_loyalist'
        else 'champions'
    end as segment
from scored;

-- §3 return rates by first-order attribute, one grouped pass over the buyers,
-- with the 95 % Wilson interval clamped to [0, 1]
create table mart_return_rates as
with

attributes as (
    select
        coalesce(first_order_event_type, '(unknown)') as event_type,
        coalesce(first_order_device, '(unknown)') as device,
        coalesce(first_order_region, '(unknown)') as region,
        coalesce(first_order_service, '(unknown)') as service,
        cast(first_order_weekday as varchar) as weekday,
        acquisition_source_id as acquisition_source,
        is_returning,
        is_frequent,
        count(*) over () as all_buyers
    from mart_user_profile
),

grouped as (
    select
        case
            when grouping(event_type) = 0 then 'event_type'
            when grouping(device) = 0 then 'device'
            when grouping(region) = 0 then 'region'
            when grouping(service) = 0 then 'service'
            when grouping(weekday) = 0 then 'weekday'
            else 'acquisition_source'
        end as dimension,
        coalesce(event_type, device, region, service, weekday, acquisition_source) as value,
        count(*) as users,
        any_value(all_buyers) as all_buyers,
        count(*) filter (where is_returning) as returning_users,
        count(*) filter (where is_frequent) as frequent_users
    from attributes
    group by grouping sets ((event_type), (device), (region), (service), (weekday), (acquisition_source))
),

wilson as (
    select
        *,
        returning_users / users as p,
        1.959963984540054 :: double as z
    from grouped
)

select
    dimension,
    value,
    users,
    users / all_buyers as share_of_users,
    returning_users,
    p as return_rate,
    frequent_users,
    frequent_users / users as frequent_rate,
    greatest(0, least(1,
        ((p + z * z / (2 * users)) - z * sqrt(p * (1 - p) / users + z * z / (4 * users * users)))
        / (1 + z * z / users)
    )) as return_rate_ci_low,
    greatest(0, least(1,
        ((p + z * z / (2 * users)) + z * sqrt(p * (1 - p) / users + z * z / (4 * users * users)))
        / (1 + z * z / users)
    )) as return_rate_ci_high
from wilson;

-- §3 conversion of visitor cohorts, per source and (all), in one grouped pass
create table mart_conversion as
with visitors as (
    select
        cast(date_trunc('week', first_visits.first_visit_at) as date) as cohort_week,
        cast(date_trunc('month', first_visits.first_visit_at) as date) as cohort_month,
        coalesce(first_visits.source_id, '(unknown)') as source_id,
        buyers.first_order_at,
        date_diff('day', cast(first_visits.first_visit_at as date), cast(buyers.first_order_at as date))
            as days_to_first_order,
        date_diff('microsecond', first_visits.first_visit_at, buyers.first_order_at) / 60e6
            as minutes_to_first_order
    from first_visits
    left join buyers
        on first_visits.user_id = buyers.user_id
),

grouped as (
    select
        case when grouping(cohort_week) = 0 then 'week' else 'month' end as grain,
        coalesce(cohort_week, cohort_month) as cohort_start,
        case when grouping(source_id) = 0 then source_id else '(all)' end as source_id,
        count(*) as visitors,
        count(first_order_at) as buyers,
        -- §3: an order before the first visit counts as day 0
        count(*) filter (where days_to_first_order < 1) as buyers_day_0,
        count(*) filter (where days_to_first_order < 7) as buyers_day_7,
        count(*) filter (where days_to_first_order < 30) as buyers_day_30,
        median(minutes_to_first_order) filter (where minutes_to_first_order >= 0)
            as median_minutes_to_first_order
    from visitors
    group by grouping sets ((cohort_week, source_id), (cohort_week), (cohort_month, source_id), (cohort_month))
)

select
    grain,
    cohort_start,
    source_id,
    visitors,
    buyers,
    buyers / visitors as conversion_rate,
    buyers_day_0,
    buyers_day_7,
    buyers_day_30,
    buyers_day_0 / visitors as conversion_day_0,
    buyers_day_7 / visitors as conversion_day_7,
    buyers_day_30 / visitors as conversion_day_30,
    median_minutes_to_first_order
from grouped;
