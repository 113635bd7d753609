-- The planner's record of each run (issue 14).

-- What the run's outputs are made of: the settings and the data fingerprint
-- of every model once its transform has run. A run whose state equals that
-- of the last run that published has nothing new to publish.
alter table meta.runs add column state_fingerprint varchar;

-- True when the run found nothing new (no new object, no changed model
-- version or setting) and stopped after planning: no transform, test,
-- publish, report or analyst refresh. Null for runs before this migration.
alter table meta.runs add column nothing_new boolean;

-- The inputs (parent data and source fingerprints) a model was last built
-- from, so the planner can tell a model whose only change is new source
-- objects (built incrementally) from one whose parents changed.
alter table meta.model_state add column inputs varchar;
