/**
 * Ingest benchmark: generates synthetic exports, serves them from a local
 * S3 server, ingests them into a fresh warehouse, and compares with a bare
 * DuckDB read of the same files from local disk. `npm run bench -- --users N`.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { defaultGenerateOptions, generateExports } from "../src/generate/generate-exports.ts";
import { ingest } from "../src/ingest/ingest.ts";
import { sources } from "../src/ingest/sources.ts";
import { silentLogger } from "../src/log/logger.ts";
import { startEmbeddedS3 } from "../src/storage/embedded-s3.ts";
import { directorySink } from "../src/storage/key-sinks.ts";
import { S3ObjectStore } from "../src/storage/s3-object-store.ts";
import { ConcurrencyLimit } from "../src/util/concurrency-limit.ts";
import { migrate } from "../src/warehouse/migrate.ts";
import { quoteLiteral, Warehouse } from "../src/warehouse/warehouse.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "300000" },
    days: { type: "string", default: String(defaultGenerateOptions.days) },
    seed: { type: "string", default: "7" },
  },
});
const users = Number(values.users);
const days = Number(values.days);
const work = join(import.meta.dirname, "work");
rmSync(work, { recursive: true, force: true });
const exportsDir = join(work, "exports");

const seconds = (start: number) => (performance.now() - start) / 1000;
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

let start = performance.now();
const generated = await generateExports(
  { ...defaultGenerateOptions, users, days, seed: Number(values.seed) },
  directorySink(exportsDir),
);
const generateSeconds = seconds(start);
const rawRows = Object.values(generated.rows).reduce((sum, n) => sum + n, 0);

const files = walk(exportsDir);
const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
const s3 = await startEmbeddedS3(join(work, "s3"), "bench");
const store = new S3ObjectStore({
  endpoint: s3.endpoint,
  bucket: s3.bucket,
  region: "us-east-1",
  forcePathStyle: true,
  maxAttempts: 3,
  credentials: s3.credentials,
});
start = performance.now();
const limit = new ConcurrencyLimit(16);
await Promise.all(
  files.map((file) =>
    limit.run(() => store.write(`raw/${relative(exportsDir, file)}`, readFileSync(file))),
  ),
);
const uploadSeconds = seconds(start);

const warehouse = await Warehouse.open(join(work, "warehouse.duckdb"));
await migrate(warehouse);
start = performance.now();
const summary = await ingest({
  runId: "bench",
  warehouse,
  store,
  rawPrefix: "raw",
  workDir: join(work, "scratch"),
  maxRejectRatio: 0.01,
  downloadConcurrency: 16,
  logger: silentLogger(),
});
const ingestSeconds = seconds(start);
const ingestRss = peakRssMb();
const loadedRows = summary.files.reduce((sum, file) => sum + file.rowsLoaded, 0);
const readRows = summary.files.reduce((sum, file) => sum + file.rowsRead, 0);
warehouse.close();
store.destroy();
await s3.stop();

// Baseline: DuckDB alone reading the same files from local disk, types declared, nothing else.
const bare = await Warehouse.open(":memory:");
start = performance.now();
for (const source of sources) {
  const columns = source.columns
    .map(
      (c) => `${quoteLiteral(c.name)}: '${c.kind === "text" ? "VARCHAR" : c.kind.toUpperCase()}'`,
    )
    .join(", ");
  await bare.run(
    `create table ${source.name} as select * from read_csv(${quoteLiteral(join(exportsDir, source.name, "*", "*.csv"))},
       header = true, auto_detect = false, columns = {${columns}}, hive_partitioning = false, ignore_errors = true)`,
  );
}
const baselineSeconds = seconds(start);
bare.close();

const result = {
  at: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  users,
  days,
  files: files.length,
  megabytes: Math.round(bytes / 2 ** 20),
  rawRows,
  generateSeconds,
  uploadSeconds,
  ingest: {
    seconds: ingestSeconds,
    stages: summary.seconds,
    filesPerSecond: files.length / ingestSeconds,
    rowsPerSecond: readRows / ingestSeconds,
    rowsRead: readRows,
    rowsLoaded: loadedRows,
    peakRssMb: ingestRss,
  },
  baseline: { seconds: baselineSeconds, rowsPerSecond: rawRows / baselineSeconds },
  ratio: ingestSeconds / baselineSeconds,
};
const table = [
  ["phase", "seconds", "rows/s", "files/s"],
  ["generate", generateSeconds.toFixed(2), (rawRows / generateSeconds).toFixed(0), ""],
  ["upload to S3", uploadSeconds.toFixed(2), "", (files.length / uploadSeconds).toFixed(0)],
  [
    "ingest (list+download+load)",
    ingestSeconds.toFixed(2),
    result.ingest.rowsPerSecond.toFixed(0),
    result.ingest.filesPerSecond.toFixed(0),
  ],
  ["  list", summary.seconds.list.toFixed(2), "", ""],
  ["  waiting for downloads", summary.seconds.waitForDownload.toFixed(2), "", ""],
  ["  load (read, type, write)", summary.seconds.load.toFixed(2), "", ""],
  [
    "bare DuckDB read (local disk)",
    baselineSeconds.toFixed(2),
    result.baseline.rowsPerSecond.toFixed(0),
    "",
  ],
];
process.stdout.write(
  `${users} users, ${days} days: ${files.length} files, ${result.megabytes} MB, ${rawRows} raw rows\n` +
    `${table.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(32) : cell.padStart(12))).join("")).join("\n")}\n` +
    `ingest / bare read: ${result.ratio.toFixed(2)}x; peak RSS after ingest ${ingestRss} MB\n`,
);
const out = join(import.meta.dirname, "results", `ingest-${result.at.replace(/[:.]/g, "-")}.json`);
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`wrote ${relative(process.cwd(), out)}\n`);
rmSync(work, { recursive: true, force: true });

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
