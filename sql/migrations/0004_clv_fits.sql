-- CLV fits (issue 6): mart_clv_model holds the current fit only; every fit
-- any run made stays here, one row per model part, so a drift or a failed
-- convergence can be traced back over time.
create table meta.clv_fits (
  run_id varchar not null,
  model varchar not null,            -- bgnbd | gamma_gamma
  parameters varchar not null,       -- JSON {r, alpha, a, b} or {p, q, v}; null where not estimable
  log_param_std_errors varchar not null, -- JSON, asymptotic standard errors of ln(parameter); null where singular
  log_likelihood double,             -- summed over customers, time in days; null without customers
  customers bigint not null,         -- customers the likelihood summed over
  groups bigint not null,            -- distinct inputs it was evaluated on (triples or spend pairs)
  converged boolean not null,
  iterations integer not null,
  message varchar not null,
  seconds double not null,
  fitted_at timestamp not null
);
