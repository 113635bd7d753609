/**
 * Maps the public CDNOW transactions (`CDNOW_master.txt`: customer id, date
 * YYYYMMDD, number of CDs, dollar value; whitespace separated) into
 * duckmart's raw orders, one object per day, for `duckmart run` with
 * `DUCKMART_BASE_CURRENCY=USD`:
 *
 *   npx tsx examples/cdnow-to-raw.ts path/to/CDNOW_master.txt out/raw
 *
 * Orders carry no id in the export, so rows are numbered in file order;
 * CDNOW has no times of day, so every order is placed at midnight.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [inputFile, outputDir] = process.argv.slice(2);
if (!inputFile || !outputDir) {
  process.stderr.write("usage: cdnow-to-raw.ts CDNOW_master.txt OUTPUT_DIR\n");
  process.exit(2);
}

const byDay = new Map<string, string[]>();
const rows = readFileSync(inputFile, "utf8").trim().split(/\r?\n/).slice(1);
rows.forEach((line, index) => {
  const [customer = "", date = "", cds = "", dollars = ""] = line.trim().split(/\s+/);
  const day = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
  const order = `${index + 1},${customer},${day} 00:00:00,${dollars},USD,${cds}`;
  byDay.set(day, [...(byDay.get(day) ?? []), order]);
});
for (const [day, orders] of byDay) {
  const folder = join(outputDir, "orders", `dt=${day}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, "part-000.csv"),
    `order_id,user_id,created_at,revenue,currency,tickets_count\n${orders.join("\n")}\n`,
  );
}
process.stdout.write(`wrote ${byDay.size} objects under ${outputDir}\n`);
