/**
 * Checks shared by the CLV model tests: the SPEC §3 column lists of
 * mart_clv and mart_clv_model, and the agreement of the SQL scores in
 * mart_clv with the TypeScript core (src/clv) for every buyer.
 */
import { expect } from "vitest";
import {
  type BgNbdParams,
  conditionalExpectedSpend,
  expectedPurchases,
  type GammaGammaParams,
  pAlive,
} from "../../src/clv/index.ts";
import type { SqlSession } from "../../src/warehouse/warehouse.ts";

/** SPEC §3, in order, with the §3 type rules (counts BIGINT, whole days INTEGER, money/rates DOUBLE, flags BOOLEAN). */
export const specColumns: Readonly<Record<"mart_clv" | "mart_clv_model", [string, string][]>> = {
  mart_clv: [
    ["user_id", "VARCHAR"],
    ["frequency", "BIGINT"],
    ["recency_days", "INTEGER"],
    ["tenure_days", "INTEGER"],
    ["monetary_value", "DOUBLE"],
    ["p_alive", "DOUBLE"],
    ["expected_purchases", "DOUBLE"],
    ["expected_avg_revenue", "DOUBLE"],
    ["predicted_clv", "DOUBLE"],
    ["horizon_days", "INTEGER"],
  ],
  mart_clv_model: [
    ["r", "DOUBLE"],
    ["alpha", "DOUBLE"],
    ["a", "DOUBLE"],
    ["b", "DOUBLE"],
    ["p", "DOUBLE"],
    ["q", "DOUBLE"],
    ["v", "DOUBLE"],
    ["bgnbd_log_likelihood", "DOUBLE"],
    ["gg_log_likelihood", "DOUBLE"],
    ["bgnbd_customers", "BIGINT"],
    ["gg_customers", "BIGINT"],
    ["bgnbd_converged", "BOOLEAN"],
    ["gg_converged", "BOOLEAN"],
  ],
};

/** Expects both CLV marts in `main` with exactly the SPEC columns and types. */
export async function expectSpecColumns(session: SqlSession): Promise<void> {
  for (const [table, columns] of Object.entries(specColumns)) {
    const actual = await session.all<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
        where table_schema = 'main' and table_name = $1 order by ordinal_position`,
      [table],
    );
    expect(
      actual.map((row) => [row.column_name, row.data_type]),
      table,
    ).toEqual(columns);
  }
}

interface ScoredRow extends Record<string, unknown> {
  readonly user_id: string;
  readonly frequency: number;
  readonly recency_days: number;
  readonly tenure_days: number;
  readonly monetary_value: number;
  readonly p_alive: number | null;
  readonly expected_purchases: number | null;
  readonly expected_avg_revenue: number | null;
  readonly predicted_clv: number | null;
  readonly horizon_days: number;
}

/**
 * Recomputes every buyer's scores with src/clv from the fit in
 * mart_clv_model and expects mart_clv to hold the same values: SQL and
 * TypeScript evaluate the same formulas, so only the last bits of libm's
 * exp and ln may differ (relative 1e-9 allows for ln-odds of a few hundred).
 * Returns the rows checked.
 */
export async function expectScoresMatchCore(
  session: SqlSession,
  options: { readonly horizon: number; readonly margin: number },
): Promise<number> {
  const [fit] = await session.all<Record<string, number | null>>(
    "select r, alpha, a, b, p, q, v from main.mart_clv_model",
  );
  expect(fit).toBeDefined();
  const value = (name: string) => (fit?.[name] ?? Number.NaN) as number;
  const bgnbd: BgNbdParams = { r: value("r"), alpha: value("alpha"), a: value("a"), b: value("b") };
  const gammaGamma: GammaGammaParams = { p: value("p"), q: value("q"), v: value("v") };
  const rows = await session.all<ScoredRow>("select * from main.mart_clv order by user_id");
  const mismatches: unknown[] = [];
  for (const row of rows) {
    const x = row.frequency;
    const alive = pAlive(bgnbd, x, row.recency_days, row.tenure_days);
    const purchases = expectedPurchases(
      bgnbd,
      x,
      row.recency_days,
      row.tenure_days,
      options.horizon,
    );
    const spend = conditionalExpectedSpend(gammaGamma, x, row.monetary_value);
    const expected = {
      p_alive: alive,
      expected_purchases: purchases,
      expected_avg_revenue: Number.isNaN(spend) ? null : spend,
      predicted_clv: Number.isNaN(spend) ? null : purchases * spend * options.margin,
    };
    const close = (a: number | null, b: number | null) =>
      a === null || b === null
        ? a === b
        : Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) || a === b;
    if (
      row.horizon_days !== options.horizon ||
      !close(row.p_alive, expected.p_alive) ||
      !close(row.expected_purchases, expected.expected_purchases) ||
      !close(row.expected_avg_revenue, expected.expected_avg_revenue) ||
      !close(row.predicted_clv, expected.predicted_clv)
    ) {
      mismatches.push({ row, expected });
    }
  }
  expect(mismatches.slice(0, 5)).toEqual([]);
  return rows.length;
}
