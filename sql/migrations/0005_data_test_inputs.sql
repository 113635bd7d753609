-- What a data test's result depended on: its query and the data fingerprints
-- of the models (and raw files) it reads. A later run whose test has the same
-- fingerprint reuses the result instead of running the query again.
alter table meta.data_test_results add column input_fingerprint varchar;
