import { readFileSync } from "node:fs";
import { conditionalPurchaseFactor } from "../../clv/bgnbd-score.ts";
import type { BgNbdParams } from "../../clv/types.ts";
import { ModelError } from "../../util/errors.ts";
import { packagePath } from "../../util/package-path.ts";
import type { CodeModelDefinition } from "../model.ts";
import { normaliseSql } from "../sql-tokens.ts";
import { fingerprint } from "../stable-hash.ts";
import { parseTestDeclarations } from "../test-declarations.ts";
import { numberListParameter } from "./number-list-parameter.ts";

/** The per-buyer scoring query; its normalised text is part of the model's version. */
const scoreSql = readFileSync(packagePath("src/transform/code-models/mart-clv.sql"), "utf8");

/**
 * Bump when the scoring code in `src/clv` (conditionalPurchaseFactor) changes
 * what it returns; edits of mart-clv.sql change the version by themselves.
 */
const scoreCodeVersion = "clv-score-1";

/**
 * `mart_clv` (SPEC §3): every buyer scored with the current fit of
 * `mart_clv_model` — P(alive), expected purchases in the next
 * `clvHorizonDays`, Gamma-Gamma expected spend per purchase and predicted
 * CLV × `margin`. Both settings are part of its version, so changing either
 * rescores without refitting.
 *
 * The work is split by cost: the expected-purchases factor needs a
 * hypergeometric series but depends on (frequency, tenure) only — about
 * 21k pairs for a million buyers over two years — so TypeScript computes it
 * once per pair; the closed forms run per buyer in DuckDB (`mart-clv.sql`),
 * so no buyer row is ever shipped to JavaScript and back.
 */
export const martClv: CodeModelDefinition = {
  name: "mart_clv",
  parents: ["int_clv_buyers", "int_clv_triples", "mart_clv_model"],
  settings: ["clvHorizonDays", "margin"],
  codeVersion: `${scoreCodeVersion}:${fingerprint(normaliseSql(scoreSql))}`,
  metadata: {
    description:
      "Predicted customer lifetime value per buyer (SPEC §3 mart_clv): BG/NBD for purchases and Gamma-Gamma for spend, scored with the current fit of mart_clv_model; time in days.",
    grain: "one row per buyer",
    columns: [
      { name: "user_id", type: "VARCHAR", description: "buyer" },
      {
        name: "frequency",
        type: "BIGINT",
        description: "repeat purchase dates (purchase dates − 1)",
      },
      {
        name: "recency_days",
        type: "INTEGER",
        description: "last purchase date − first purchase date",
      },
      { name: "tenure_days", type: "INTEGER", description: "as_of_date − first purchase date" },
      {
        name: "monetary_value",
        type: "DOUBLE",
        description: "mean revenue of the repeat purchase dates; 0 when frequency = 0",
      },
      {
        name: "p_alive",
        type: "DOUBLE",
        description: "probability that the buyer has not dropped out",
      },
      {
        name: "expected_purchases",
        type: "DOUBLE",
        description: "expected purchases in the next horizon_days",
      },
      {
        name: "expected_avg_revenue",
        type: "DOUBLE",
        description:
          "Gamma-Gamma conditional mean revenue per purchase; null where undefined (no repeat purchase and q ≤ 1)",
      },
      {
        name: "predicted_clv",
        type: "DOUBLE",
        description: "expected_purchases × expected_avg_revenue × margin",
      },
      {
        name: "horizon_days",
        type: "INTEGER",
        description: "the clvHorizonDays setting the scores are for",
      },
    ],
    tests: [
      ...parseTestDeclarations(["unique", "not_null"], "user_id"),
      ...parseTestDeclarations(["not_null", { range: { min: 0 } }], "frequency"),
      ...parseTestDeclarations(["not_null", { range: { min: 0, max: 1 } }], "p_alive"),
      ...parseTestDeclarations(["not_null", { range: { min: 0 } }], "expected_purchases"),
      ...parseTestDeclarations([{ range: { min: 0 } }], "expected_avg_revenue"),
      ...parseTestDeclarations([{ range: { min: 0 } }], "predicted_clv"),
      ...parseTestDeclarations([
        { relationships: { column: "user_id", to: "mart_user_profile", field: "user_id" } },
        {
          reconcile: {
            name: "one_row_per_buyer",
            left: "select count(*) from main.mart_clv",
            right: "select count(*) from main.mart_user_profile",
          },
        },
        {
          expression: {
            name: "recency_within_tenure",
            check: "recency_days <= tenure_days and (frequency > 0 or recency_days = 0)",
          },
        },
      ]),
    ],
  },
  async build({ session, relation, settings }) {
    const [fit] = await session.all<Record<string, number | null>>(
      "select r, alpha, a, b from main.mart_clv_model",
    );
    if (fit === undefined) throw new ModelError("main.mart_clv_model has no fit to score with");
    const params: BgNbdParams = {
      r: fit.r ?? Number.NaN,
      alpha: fit.alpha ?? Number.NaN,
      a: fit.a ?? Number.NaN,
      b: fit.b ?? Number.NaN,
    };

    const pairs = await session.numberColumns(
      `select distinct frequency, tenure_days
         from intermediate.int_clv_triples
        order by frequency, tenure_days`,
      ["frequency", "tenure_days"],
    );
    const factors = new Float64Array(pairs.frequency.length);
    for (let i = 0; i < factors.length; i++) {
      factors[i] = conditionalPurchaseFactor(
        params,
        pairs.frequency[i] as number,
        pairs.tenure_days[i] as number,
        settings.clvHorizonDays,
      );
    }

    await session.run(
      `create or replace temp table clv_purchase_factors (
         frequency bigint, tenure_days integer, purchase_factor double)`,
    );
    if (factors.length > 0) {
      await session.run(
        `insert into clv_purchase_factors
         select
             cast(unnest(string_split($1, ',')) as bigint),
             cast(unnest(string_split($2, ',')) as integer),
             cast(nullif(unnest(string_split($3, ',')), '') as double)`,
        [
          numberListParameter(pairs.frequency),
          numberListParameter(pairs.tenure_days),
          numberListParameter(factors),
        ],
      );
    }
    await session.run(`create or replace table ${relation} as\n${scoreSql}`);
    await session.run("drop table clv_purchase_factors");
  },
};
