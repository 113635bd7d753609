/*
description: >
  Every raw fx_rates row with its staging outcome (SPEC §1): staged,
  quarantined with a reason, or superseded by the winning row of its key
  (dt, currency). stg_fx_rates and stg_fx_rates_quarantine read it.
grain: one row per raw fx_rates row
columns:
  dt: rate date
  currency: currency code as exported
  rate: units of base currency one unit of currency is worth on dt
  _file_key: object key the row came from
  _file_row: position of the row in its object
  _file_modified: last-modified time of the object
  _run_id: run that loaded the row
  row_status:
    description: staged, quarantined or superseded
    tests: [not_null, {accepted_values: [staged, quarantined, superseded]}]
  quarantine_reason:
    description: why a quarantined row was quarantined (missing_<column>)
    tests: [{accepted_values: [missing_dt, missing_currency, missing_rate]}]
tests:
  - expression:
      name: reason_when_quarantined
      check: (row_status = 'quarantined') = (quarantine_reason is not null)
*/
with

source as (
    select * from raw.fx_rates
),

-- §1 step 1: the first empty required column, in the table's order, names the reason
required_checked as (
    select
        *,
        case
            when dt is null then 'missing_dt'
            when currency is null then 'missing_currency'
            when rate is null then 'missing_rate'
        end as missing_reason
    from source
),

-- §1 step 2: per key, the row of the most recently modified object wins,
-- then the greater object key, then the later row in the file
ranked as (
    select
        *,
        row_number() over (
            partition by dt, currency
            order by _file_modified desc, _file_key desc, _file_row desc
        ) as key_rank
    from required_checked
    where missing_reason is null
),

-- fx_rates has no row rule of its own (§1 step 3): a winner is staged
complete_rows as (
    select
        * exclude (key_rank, missing_reason),
        case when key_rank = 1 then 'staged' else 'superseded' end as row_status,
        null::varchar as quarantine_reason
    from ranked
),

incomplete_rows as (
    select
        * exclude (missing_reason),
        'quarantined' as row_status,
        missing_reason as quarantine_reason
    from required_checked
    where missing_reason is not null
),

classified as (
    select * from complete_rows
    union all by name
    select * from incomplete_rows
),

final as (
    select
        dt,
        currency,
        rate,
        _file_key,
        _file_row,
        _file_modified,
        _run_id,
        row_status,
        quarantine_reason
    from classified
)

select * from final
