-- Rejected rows of run $1 by source, column and reason, with one example.
select
    source,
    column_name,
    reason,
    count(*) as rows,
    count(distinct file_key) as files,
    min(file_key) as example_file,
    arg_min(file_row, file_key) as example_row,
    arg_min(raw_value, file_key) as example_value
from meta.rejected_rows
where run_id = $1
group by all
order by source, rows desc, reason
limit 200
