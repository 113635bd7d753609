-- Files and rows per source: what run $1 loaded (or failed to load), and
-- what the warehouse holds now across all runs.
with

this_run as (
    select
        source,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'failed') as files_failed,
        coalesce(sum(rows_read), 0) as rows_read,
        coalesce(sum(rows_loaded), 0) as rows_loaded,
        coalesce(sum(rows_rejected), 0) as rows_rejected,
        coalesce(sum(size), 0) as bytes
    from meta.file_loads
    where run_id = $1
    group by source
),

held as (
    select
        source,
        count(*) as files,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_rejected) as rows_rejected
    from meta.loaded_files
    group by source
),

final as (
    select
        coalesce(this_run.source, held.source) as source,
        coalesce(this_run.files_loaded, 0) as run_files_loaded,
        coalesce(this_run.files_failed, 0) as run_files_failed,
        coalesce(this_run.rows_read, 0) as run_rows_read,
        coalesce(this_run.rows_loaded, 0) as run_rows_loaded,
        coalesce(this_run.rows_rejected, 0) as run_rows_rejected,
        coalesce(this_run.bytes, 0) as run_bytes,
        coalesce(held.files, 0) as files,
        coalesce(held.rows_read, 0) as rows_read,
        coalesce(held.rows_loaded, 0) as rows_loaded,
        coalesce(held.rows_rejected, 0) as rows_rejected
    from this_run
    full outer join held on held.source = this_run.source
)

select * from final
order by source
