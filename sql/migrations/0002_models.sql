-- Model versions and builds (issue 3): what the transform step built, when, and why.
create schema if not exists staging;
create schema if not exists intermediate;

-- Every version a model has had: a version is the hash of its normalised
-- query (or code version), the settings it reads and its parents' versions.
create table meta.model_versions (
  model varchar not null,
  version varchar not null,
  kind varchar not null,             -- table | view
  query varchar not null,            -- normalised SQL, or code:<version> for a TypeScript model
  settings varchar not null,         -- JSON {setting: value} of the settings it reads
  parents varchar not null,          -- JSON {parent: version}
  first_run_id varchar not null,
  created_at timestamp not null
);

-- One row per model per run: built, failed, skipped (a parent failed) or up_to_date.
create table meta.model_builds (
  run_id varchar not null,
  model varchar not null,
  relation varchar not null,
  version varchar not null,
  input_fingerprint varchar not null,
  inputs varchar not null,           -- JSON {"model:<parent>": data fingerprint, "source:<name>": fingerprint}
  status varchar not null,           -- built | failed | skipped | up_to_date
  reason varchar,                    -- why built (new, version_changed, inputs_changed, missing, full_refresh) or why not
  rows bigint,
  started_at timestamp not null,
  finished_at timestamp not null,
  seconds double not null,
  error varchar
);

-- What each model's table holds now: the version and inputs of its last
-- successful build. A failed build leaves this row (and the table) as it was.
create table meta.model_state (
  model varchar not null,
  relation varchar not null,
  version varchar not null,
  input_fingerprint varchar not null,
  data_fingerprint varchar not null, -- hash(version, input_fingerprint): what children depend on
  run_id varchar not null,
  built_at timestamp not null,
  rows bigint
);
