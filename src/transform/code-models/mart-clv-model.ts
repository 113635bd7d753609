import { fitBgNbd } from "../../clv/fit-bgnbd.ts";
import { fitGammaGamma } from "../../clv/fit-gamma-gamma.ts";
import type { BgNbdParams, FitResult, GammaGammaParams } from "../../clv/types.ts";
import { insertMeta } from "../../warehouse/state-store.ts";
import type { SqlSession } from "../../warehouse/warehouse.ts";
import type { CodeModelDefinition } from "../model.ts";
import { parseTestDeclarations } from "../test-declarations.ts";

/**
 * The fit's version: bump it when the fitting code in `src/clv` changes
 * what it returns, so that the next run refits (and mart_clv, downstream,
 * is rescored).
 */
const fitCodeVersion = "clv-fit-1";

/**
 * `mart_clv_model` (SPEC §3): BG/NBD fitted on every buyer's (frequency,
 * recency, tenure) triple and Gamma-Gamma on the repeat buyers with positive
 * spend, by maximum likelihood, time in days. One row, the current fit; each
 * fit is also appended to `meta.clv_fits` with its standard errors and the
 * optimiser's message. A fit that does not converge is still written, with
 * its `*_converged` flag false, and fails a warn-severity data test.
 */
export const martClvModel: CodeModelDefinition = {
  name: "mart_clv_model",
  parents: ["int_clv_triples", "int_clv_spend"],
  codeVersion: fitCodeVersion,
  metadata: {
    description:
      "The current BG/NBD and Gamma-Gamma fit (SPEC §3 mart_clv_model), maximum likelihood over log-parameters, time in days; earlier fits are in meta.clv_fits.",
    grain: "one row",
    columns: [
      {
        name: "r",
        type: "DOUBLE",
        description: "BG/NBD: shape of the Gamma purchase-rate distribution",
      },
      {
        name: "alpha",
        type: "DOUBLE",
        description: "BG/NBD: rate (scale in days) of the purchase-rate distribution",
      },
      { name: "a", type: "DOUBLE", description: "BG/NBD: Beta dropout parameter a" },
      { name: "b", type: "DOUBLE", description: "BG/NBD: Beta dropout parameter b" },
      {
        name: "p",
        type: "DOUBLE",
        description: "Gamma-Gamma: shape of spend per purchase; null without repeat buyers",
      },
      {
        name: "q",
        type: "DOUBLE",
        description: "Gamma-Gamma: shape of the scale distribution; null without repeat buyers",
      },
      {
        name: "v",
        type: "DOUBLE",
        description: "Gamma-Gamma: rate of the scale distribution; null without repeat buyers",
      },
      {
        name: "bgnbd_log_likelihood",
        type: "DOUBLE",
        description: "BG/NBD log-likelihood summed over buyers",
      },
      {
        name: "gg_log_likelihood",
        type: "DOUBLE",
        description: "Gamma-Gamma log-likelihood summed over its buyers",
      },
      {
        name: "bgnbd_customers",
        type: "BIGINT",
        description: "buyers BG/NBD was fitted on (all buyers)",
      },
      {
        name: "gg_customers",
        type: "BIGINT",
        description: "buyers Gamma-Gamma was fitted on (frequency > 0, monetary_value > 0)",
      },
      {
        name: "bgnbd_converged",
        type: "BOOLEAN",
        description: "the BG/NBD fit met the stopping rule at a local maximum",
      },
      {
        name: "gg_converged",
        type: "BOOLEAN",
        description: "the Gamma-Gamma fit met the stopping rule at a local maximum",
      },
    ],
    tests: [
      ...parseTestDeclarations([{ row_count: { min: 1, max: 1 } }]),
      ...parseTestDeclarations(["not_null"], "bgnbd_customers"),
      ...parseTestDeclarations(["not_null"], "gg_customers"),
      ...parseTestDeclarations([
        {
          reconcile: {
            name: "bgnbd_customers_are_buyers",
            left: "select coalesce(max(bgnbd_customers), 0) from main.mart_clv_model",
            right: "select count(*) from intermediate.int_clv_buyers",
          },
        },
        // SPEC §3: a fit that does not converge is reported, never hidden, yet the mart is published.
        { expression: { name: "bgnbd_converged", severity: "warn", check: "bgnbd_converged" } },
        { expression: { name: "gg_converged", severity: "warn", check: "gg_converged" } },
      ]),
    ],
  },
  async build({ session, relation, runId, logger }) {
    const rfm = await session.numberColumns(
      // Ordered: the likelihood sums in this order, and float sums depend on it (SPEC §5).
      `select frequency, recency_days as recency, tenure_days as tenure, customers as count
         from intermediate.int_clv_triples
        order by frequency, recency_days, tenure_days`,
      ["frequency", "recency", "tenure", "count"],
    );
    const spend = await session.numberColumns(
      `select frequency, monetary_value as monetary, customers as count
         from intermediate.int_clv_spend
        order by frequency, monetary_value`,
      ["frequency", "monetary", "count"],
    );

    let started = performance.now();
    const bgnbd = fitBgNbd(rfm);
    const bgnbdSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const gammaGamma = fitGammaGamma(spend);
    const gammaGammaSeconds = (performance.now() - started) / 1000;

    const { r, alpha, a, b } = bgnbd.params;
    const { p, q, v } = gammaGamma.params;
    await session.run(
      `create or replace table ${relation} as
       select
           cast($1 as double) as r,
           cast($2 as double) as alpha,
           cast($3 as double) as a,
           cast($4 as double) as b,
           cast($5 as double) as p,
           cast($6 as double) as q,
           cast($7 as double) as v,
           cast($8 as double) as bgnbd_log_likelihood,
           cast($9 as double) as gg_log_likelihood,
           cast($10 as bigint) as bgnbd_customers,
           cast($11 as bigint) as gg_customers,
           cast($12 as boolean) as bgnbd_converged,
           cast($13 as boolean) as gg_converged`,
      [
        ...[r, alpha, a, b, p, q, v, bgnbd.logLikelihood, gammaGamma.logLikelihood].map(orNull),
        bgnbd.customers,
        gammaGamma.customers,
        bgnbd.converged,
        gammaGamma.converged,
      ],
    );
    const fittedAt = new Date();
    await recordFit(session, runId, "bgnbd", bgnbd, rfm.count.length, bgnbdSeconds, fittedAt);
    await recordFit(
      session,
      runId,
      "gamma_gamma",
      gammaGamma,
      spend.count.length,
      gammaGammaSeconds,
      fittedAt,
    );

    for (const [model, fit, seconds] of [
      ["bgnbd", bgnbd, bgnbdSeconds],
      ["gamma_gamma", gammaGamma, gammaGammaSeconds],
    ] as const) {
      const fields = {
        clvModel: model,
        params: fit.params,
        logLikelihood: fit.logLikelihood,
        customers: fit.customers,
        iterations: fit.iterations,
        ms: Math.round(seconds * 1000),
      };
      if (fit.converged) logger.info(fields, `${model} fitted`);
      else logger.warn({ ...fields, reason: fit.message }, `${model} fit did not converge`);
    }
  },
};

/** Appends one fit to meta.clv_fits (inside the build's transaction: a failed build leaves none). */
async function recordFit(
  session: SqlSession,
  runId: string,
  model: "bgnbd" | "gamma_gamma",
  fit: FitResult<BgNbdParams> | FitResult<GammaGammaParams>,
  groups: number,
  seconds: number,
  fittedAt: Date,
): Promise<void> {
  await insertMeta(session, "meta.clv_fits", [
    {
      run_id: runId,
      model,
      // JSON has no NaN: JSON.stringify writes null for a parameter that could not be estimated.
      parameters: JSON.stringify(fit.params),
      log_param_std_errors: JSON.stringify(fit.logParamStdErrors),
      log_likelihood: orNull(fit.logLikelihood),
      customers: fit.customers,
      groups,
      converged: fit.converged,
      iterations: fit.iterations,
      message: fit.message,
      seconds,
      fitted_at: fittedAt,
    },
  ]);
}

/** NaN (nothing to estimate) and ±∞ are written as NULL, never as a number a reader could take for a fit. */
function orNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
