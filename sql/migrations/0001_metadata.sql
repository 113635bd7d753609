-- Run metadata: runs and their steps, loaded and failed files, rejected rows.
create schema if not exists meta;
create schema if not exists raw;

create table meta.runs (
  run_id varchar primary key,
  job varchar not null,
  trigger varchar not null,          -- manual | schedule | demo
  started_at timestamp not null,
  finished_at timestamp,
  status varchar not null,           -- running | succeeded | failed
  error varchar,
  pid integer,
  host varchar
);

create table meta.run_steps (
  run_id varchar not null,
  step varchar not null,
  started_at timestamp not null,
  finished_at timestamp,
  status varchar not null,           -- running | succeeded | failed
  rows bigint,
  detail varchar,                    -- JSON with step-specific counts
  error varchar,
  primary key (run_id, step)
);

-- One row per object key currently loaded: the manifest ingest diffs against.
create table meta.loaded_files (
  key varchar primary key,
  source varchar not null,
  format varchar not null,
  etag varchar not null,
  size bigint not null,
  last_modified timestamp not null,
  rows_read bigint not null,
  rows_loaded bigint not null,
  rows_rejected bigint not null,
  run_id varchar not null,
  loaded_at timestamp not null
);

-- Every load attempt of a file, including failures, per run.
create table meta.file_loads (
  run_id varchar not null,
  key varchar not null,
  source varchar not null,
  etag varchar not null,
  size bigint not null,
  status varchar not null,           -- loaded | failed
  rows_read bigint,
  rows_loaded bigint,
  rows_rejected bigint,
  reason varchar,
  seconds double,
  loaded_at timestamp not null
);

-- Files an operator chose to move past (`duckmart files skip`).
create table meta.skipped_files (
  key varchar primary key,
  etag varchar,                      -- null: skip whatever version is there
  reason varchar,
  skipped_at timestamp not null
);

-- Rows that could not be parsed or cast, with the reason.
create table meta.rejected_rows (
  run_id varchar not null,
  source varchar not null,
  file_key varchar not null,
  file_row bigint,
  column_name varchar,
  reason varchar not null,
  raw_value varchar
);
