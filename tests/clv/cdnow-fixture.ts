/**
 * Readers of the CDNOW sample copied into tests/fixtures/cdnow (never the shared folder).
 */
import { readFileSync } from "node:fs";
import { dayNumber, type Purchase } from "../../src/clv/sufficient-statistics.ts";

const folder = new URL("../fixtures/cdnow/", import.meta.url);

/** The 6,919 transactions of the 2,357-customer sample, customer id = sample id. */
export function cdnowSamplePurchases(): Purchase[] {
  const text = readFileSync(new URL("CDNOW_sample.txt", folder), "utf8");
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
      return {
        customerId: String(Number(sampleId)),
        day: dayNumber(date as string),
        revenue: Number(dollars),
      };
    });
}

/** One row of cdnow_customers_summary.csv (weeks, 2 decimals). */
export interface CdnowSummaryRow {
  readonly id: string;
  readonly frequency: number;
  readonly recency: number;
  readonly tenure: number;
}

/** The published per-customer summary, calibration to 1997-09-30, in weeks. */
export function cdnowSummary(): CdnowSummaryRow[] {
  const [, ...rows] = readFileSync(new URL("cdnow_customers_summary.csv", folder), "utf8")
    .trim()
    .split(/\r?\n/);
  return rows.map((row) => {
    const [id, frequency, recency, tenure] = row.split(",");
    return {
      id: id as string,
      frequency: Number(frequency),
      recency: Number(recency),
      tenure: Number(tenure),
    };
  });
}
