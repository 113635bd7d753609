-- Data test results per run (issue 3).
create table meta.data_test_results (
  run_id varchar not null,
  model varchar not null,
  test_name varchar not null,        -- <model>.<kind>.<column> unless named
  kind varchar not null,             -- not_null | unique | accepted_values | relationships | range | expression | reconcile | row_count
  column_name varchar,
  severity varchar not null,         -- error | warn
  status varchar not null,           -- pass | fail | error (the query itself failed)
  failures bigint not null,          -- failing rows (1 for a failed reconcile or row_count)
  message varchar,
  query varchar not null,
  seconds double not null,
  tested_at timestamp not null
);
