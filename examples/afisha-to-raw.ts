/**
 * Maps the public Yandex.Afisha exports (`orders_log_us.csv`: Buy Ts, Revenue,
 * Uid; `costs_us.csv`: source_id, dt, costs) into duckmart's raw layout, one
 * object per source per day, ready for `duckmart run`:
 *
 *   npx tsx examples/afisha-to-raw.ts path/to/afisha out/raw
 *   aws s3 cp --recursive out/raw s3://your-bucket/raw   # or any S3 client
 *
 * Orders carry no id in the export, so rows are numbered in file order.
 * There is no visits log, so every buyer's acquisition source is `(unknown)`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [inputDir, outputDir] = process.argv.slice(2);
if (!inputDir || !outputDir) {
  process.stderr.write("usage: afisha-to-raw.ts AFISHA_DIR OUTPUT_DIR\n");
  process.exit(2);
}

const lines = (file: string) =>
  readFileSync(join(inputDir, file), "utf8").trim().split(/\r?\n/).slice(1);
const byDay = new Map<string, string[]>();
const add = (source: string, day: string, line: string) => {
  const key = `${source}/dt=${day}`;
  byDay.set(key, [...(byDay.get(key) ?? []), line]);
};

// Buy Ts,Revenue,Uid → order_id,user_id,created_at,revenue
lines("orders_log_us.csv").forEach((line, index) => {
  const [buyTs = "", revenue = "", uid = ""] = line.split(",");
  add("orders", buyTs.slice(0, 10), `${index + 1},${uid},${buyTs},${revenue}`);
});
// source_id,dt,costs → dt,source_id,costs
for (const line of lines("costs_us.csv")) {
  const [sourceId = "", dt = "", costs = ""] = line.split(",");
  add("costs", dt, `${dt},${sourceId},${costs}`);
}

const headers: Record<string, string> = {
  orders: "order_id,user_id,created_at,revenue",
  costs: "dt,source_id,costs",
};
for (const [key, rows] of byDay) {
  const source = key.split("/")[0] as string;
  const folder = join(outputDir, key);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "part-000.csv"), `${headers[source]}\n${rows.join("\n")}\n`);
}
process.stdout.write(`wrote ${byDay.size} objects under ${outputDir}\n`);
