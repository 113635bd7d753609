-- Publish guards and failing rows (issue 13, SPEC §4).

-- Whether the run was started with --accept-changes: its guard breaches were
-- accepted and it published anyway. Null for runs before this migration.
alter table meta.runs add column accepted_changes boolean;

-- Every publish guard a run checked against the last published run, with
-- its figure and threshold, whether it held or not.
create table meta.guard_checks (
  run_id varchar not null,
  check_name varchar not null,       -- quarantine_ratio | history_change | data_as_of | mart_not_empty
  subject varchar not null,          -- the source, `<month> <metric>` of mart_kpi_monthly, or the mart
  compared_run_id varchar,           -- the published run compared with; null on a first run
  previous_value varchar,            -- the published figure (null when there is none)
  current_value varchar,             -- this run's figure
  figure double,                     -- the share or relative change measured; null for data_as_of and empty marts
  threshold double,                  -- maxQuarantineRatio or maxHistoryChange; null where the rule has none
  status varchar not null,           -- pass | breach | accepted (a breach published with --accept-changes)
  message varchar not null,
  checked_at timestamp not null
);

-- Up to 100 rows breaking each failed data test, as JSON objects, in the
-- order the test query returned them.
create table meta.data_test_failures (
  run_id varchar not null,
  test_name varchar not null,
  row_number integer not null,       -- 1-based, at most 100
  row_json varchar not null
);
