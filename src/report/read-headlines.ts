import { DuckmartError } from "../util/errors.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";

/** The largest advertising source (by staged costs) and what it returned. */
export interface SourceHeadline {
  readonly sourceId: string;
  readonly costs: number;
  readonly newBuyers: number;
  /** All its costs / all buyers it acquired; null without buyers. */
  readonly cac: number | null;
  /**
   * Gross profit to date of the buyers it acquired / all its costs (ROMI
   * to date); null without costs.
   */
  readonly romi: number | null;
}

/** The demo's headline numbers, read from the marts. */
export interface Headlines {
  readonly dataAsOf: Date | null;
  readonly dau: number | null;
  readonly wau: number | null;
  readonly mau: number | null;
  readonly buyers: number;
  /** Share of buyers with at least two orders. */
  readonly returnRate: number | null;
  /**
   * LTV at month lifetimes 0 and 5 over every monthly cohort that has reached
   * that lifetime, weighted by cohort size (Σ cum_gross_profit / Σ cohort_size).
   * Null when no cohort is that old.
   */
  readonly ltvMonth0: number | null;
  readonly ltvMonth5: number | null;
  /** Null when there are no costs. */
  readonly largestSource: SourceHeadline | null;
}

interface HeadlineRow extends Record<string, unknown> {
  readonly data_as_of: Date | null;
  readonly dau: number | null;
  readonly wau: number | null;
  readonly mau: number | null;
  readonly buyers: number;
  readonly return_rate: number | null;
  readonly ltv_month_0: number | null;
  readonly ltv_month_5: number | null;
  readonly largest_source_id: string | null;
  readonly largest_source_costs: number | null;
  readonly largest_source_new_buyers: number | null;
  readonly largest_source_cac: number | null;
  readonly largest_source_romi: number | null;
}

/**
 * Reads the demo summary's headline numbers (DAU/WAU/MAU, buyers, return
 * rate, month-0 and month-5 LTV, CAC and ROMI of the largest source,
 * data_as_of) from `mart_headlines`, which the run report's KPIs read too.
 * Needs a warehouse where the transforms have run.
 *
 * @example
 * const h = await readHeadlines(warehouse);
 * console.log(`MAU ${h.mau}, LTV m5 ${h.ltvMonth5}`);
 */
export async function readHeadlines(session: SqlSession): Promise<Headlines> {
  const [row] = await session.all<HeadlineRow>("select * from main.mart_headlines");
  if (row === undefined) throw new DuckmartError("main.mart_headlines has no row");
  return {
    dataAsOf: row.data_as_of,
    dau: row.dau,
    wau: row.wau,
    mau: row.mau,
    buyers: row.buyers,
    returnRate: row.return_rate,
    ltvMonth0: row.ltv_month_0,
    ltvMonth5: row.ltv_month_5,
    largestSource:
      row.largest_source_id === null
        ? null
        : {
            sourceId: row.largest_source_id,
            costs: row.largest_source_costs ?? 0,
            newBuyers: row.largest_source_new_buyers ?? 0,
            cac: row.largest_source_cac,
            romi: row.largest_source_romi,
          },
  };
}
