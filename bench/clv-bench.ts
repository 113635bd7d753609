/**
 * CLV benchmark (issue 6: fit and scoring at 1M buyers, goal under 10 s on
 * a 2-core machine). Two measurements:
 *
 * - **pipeline**: the real path. A synthetic `staging.stg_orders` of
 *   `--buyers` buyers (BG/NBD purchases in days, some dates with two
 *   orders, Gamma-Gamma revenue) and its `int_data_as_of` go into a fresh
 *   warehouse file; then the transform runner builds `int_clv_purchases+`
 *   (SQL statistics, triples, spend pairs, the `mart_clv_model` fit and
 *   the `mart_clv` scores) exactly as the daily job does.
 * - **core**: `benchmarkClv()`, the numeric core alone on in-memory columns.
 *
 * `npx tsx bench/clv-bench.ts [--buyers N] [--seed S] [--skip-core]`, or
 * `npm run bench:clv`; `runClvBench()` for the main bench. Results also go
 * to bench/results/clv-<time>.json.
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { settingsSchema } from "../src/config/settings.ts";
import { drawRepeatPurchaseTimes } from "../src/generate/bgnbd-process.ts";
import { Random } from "../src/generate/random.ts";
import { codeModels } from "../src/transform/code-models/index.ts";
import { runTransforms } from "../src/transform/run-transforms.ts";
import { migrate } from "../src/warehouse/migrate.ts";
import { quoteLiteral, Warehouse } from "../src/warehouse/warehouse.ts";
import { benchmarkClv } from "./benchmark-clv.ts";

/** Options of `runClvBench`. */
export interface ClvBenchOptions {
  /** Buyers in the synthetic stg_orders (default 1 000 000). */
  readonly buyers?: number;
  readonly seed?: number;
  /** Also time `benchmarkClv()` on as many buyers (default true). */
  readonly core?: boolean;
}

/** Seconds of each part of one pipeline run at `buyers` buyers. */
export interface ClvBenchResult {
  readonly buyers: number;
  readonly orders: number;
  readonly triples: number;
  readonly spendPairs: number;
  /** Distinct (frequency, tenure) pairs: the 2F1 factors mart_clv computes in TypeScript. */
  readonly factorPairs: number;
  readonly simulateSeconds: number;
  readonly loadSeconds: number;
  readonly pipeline: {
    /** int_clv_purchases + int_clv_buyers + int_clv_triples + int_clv_spend (SQL). */
    readonly statisticsSeconds: number;
    /** mart_clv_model: reading the groups, both fits, writing the row and meta.clv_fits. */
    readonly fitModelSeconds: number;
    /** Of which the two maximum-likelihood fits themselves (meta.clv_fits.seconds). */
    readonly bgnbdFitSeconds: number;
    readonly gammaGammaFitSeconds: number;
    /** mart_clv: per-pair 2F1 factors in TypeScript and the per-buyer scores in SQL. */
    readonly scoreSeconds: number;
    /** The whole `runTransforms` call, bookkeeping included. */
    readonly totalSeconds: number;
  };
  readonly fit: Readonly<Record<string, unknown>>;
  readonly core?: {
    readonly groupMs: number;
    readonly fitMs: number;
    readonly scoreMs: number;
    readonly totalMs: number;
  };
}

/** The process the synthetic buyers follow (days), as in `benchmarkClv`. */
const truth = { r: 0.5, alpha: 30, a: 0.8, b: 2.5 } as const;
const historyDays = 730;
const secondsPerDay = 86_400;

/**
 * Runs the pipeline benchmark (and the core one unless `core` is false) in
 * a throwaway folder and returns the timings.
 */
export async function runClvBench(options: ClvBenchOptions = {}): Promise<ClvBenchResult> {
  const buyers = options.buyers ?? 1_000_000;
  const seed = options.seed ?? 6;
  const work = mkdtempSync(join(tmpdir(), "clv-bench-"));
  try {
    let started = performance.now();
    const csv = join(work, "orders.csv");
    const orders = await writeSyntheticOrders(csv, buyers, seed);
    const simulateSeconds = since(started);

    const warehouse = await Warehouse.open(join(work, "warehouse.duckdb"));
    try {
      await migrate(warehouse);
      started = performance.now();
      await loadStaging(warehouse, csv);
      const loadSeconds = since(started);

      started = performance.now();
      const result = await runTransforms(warehouse, settingsSchema.parse({}), {
        runId: "clv-bench",
        // The CLV models alone: mart_value_at_risk, also downstream, needs marts this bench does not build.
        select:
          "int_clv_purchases,int_clv_buyers,int_clv_triples,int_clv_spend,mart_clv_model,mart_clv",
        codeModels,
      });
      const totalSeconds = since(started);
      if (!result.ok) {
        throw new Error(`CLV models failed: ${result.outcomes.map((o) => o.error?.message)}`);
      }
      const seconds = (model: string) =>
        result.outcomes.find((outcome) => outcome.model === model)?.seconds ?? Number.NaN;
      const fits = await warehouse.all<{ model: string; seconds: number; groups: number }>(
        "select model, seconds, groups from meta.clv_fits order by model",
      );
      const fitOf = (model: string) => fits.find((fit) => fit.model === model);
      const [fit] = await warehouse.all("select * from main.mart_clv_model");
      const [pairs] = await warehouse.all<{ n: number }>(
        "select count(distinct (frequency, tenure_days)) as n from intermediate.int_clv_triples",
      );
      return {
        buyers,
        orders,
        triples: fitOf("bgnbd")?.groups ?? 0,
        spendPairs: fitOf("gamma_gamma")?.groups ?? 0,
        factorPairs: pairs?.n ?? 0,
        simulateSeconds,
        loadSeconds,
        pipeline: {
          statisticsSeconds:
            seconds("int_clv_purchases") +
            seconds("int_clv_buyers") +
            seconds("int_clv_triples") +
            seconds("int_clv_spend"),
          fitModelSeconds: seconds("mart_clv_model"),
          bgnbdFitSeconds: fitOf("bgnbd")?.seconds ?? Number.NaN,
          gammaGammaFitSeconds: fitOf("gamma_gamma")?.seconds ?? Number.NaN,
          scoreSeconds: seconds("mart_clv"),
          totalSeconds,
        },
        fit: fit ?? {},
        ...(options.core === false ? {} : { core: coreBench(buyers, seed) }),
      };
    } finally {
      warehouse.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function coreBench(buyers: number, seed: number): NonNullable<ClvBenchResult["core"]> {
  const core = benchmarkClv({ buyers, seed });
  return {
    groupMs: core.groupMs,
    fitMs: core.fitMs,
    scoreMs: core.scoreMs,
    totalMs: core.totalMs,
  };
}

/**
 * Writes `user_id,order_id,epoch_seconds,revenue` lines: each buyer's first
 * purchase falls in the last `historyDays` days, repeat purchases follow the
 * BG/NBD story up to the end, and 15 % of purchase dates get a second order
 * a few minutes later on the same date (one purchase for the model).
 */
async function writeSyntheticOrders(path: string, buyers: number, seed: number): Promise<number> {
  const random = new Random(seed, 61);
  const end = historyDays * secondsPerDay;
  const out = createWriteStream(path);
  let lines: string[] = ["user_id,order_id,created_epoch,revenue"];
  let orders = 0;
  const flush = async () => {
    if (!out.write(`${lines.join("\n")}\n`)) {
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    lines = [];
  };
  for (let buyer = 0; buyer < buyers; buyer++) {
    const first = random.int(0, end - 1);
    const tenureDays = (end - 1 - first) / secondsPerDay;
    const nu = random.gamma(3, 1 / 15);
    const times = [0, ...drawRepeatPurchaseTimes(random, truth, tenureDays)];
    for (const time of times) {
      const at = first + Math.round(time * secondsPerDay);
      const orderCount = random.chance(0.15) ? 2 : 1;
      for (let k = 0; k < orderCount; k++) {
        // A second order stays on the same date: a few minutes later, clamped to the day.
        const sameDay = Math.min(
          at + k * random.int(60, 900),
          (Math.floor(at / secondsPerDay) + 1) * secondsPerDay - 1,
        );
        lines.push(
          `u${buyer},o${orders},${sameDay},${(random.gamma(6, 1 / nu) / orderCount).toFixed(2)}`,
        );
        orders++;
      }
    }
    if (lines.length >= 50_000) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return orders;
}

/** The staging tables the CLV models read, as staging would leave them. */
async function loadStaging(warehouse: Warehouse, csv: string): Promise<void> {
  await warehouse.run("create schema if not exists staging");
  await warehouse.run("create schema if not exists intermediate");
  await warehouse.run(
    `create or replace table staging.stg_orders as
     select
         order_id,
         user_id,
         make_timestamp(created_epoch * 1000000 + epoch_us(timestamp '2022-01-01')) as created_at,
         revenue
     from read_csv(${quoteLiteral(csv)}, header = true, auto_detect = false,
         columns = {'user_id': 'VARCHAR', 'order_id': 'VARCHAR', 'created_epoch': 'BIGINT', 'revenue': 'DOUBLE'})`,
  );
  await warehouse.run(
    `create or replace table intermediate.int_data_as_of as
     select max(created_at) as data_as_of, cast(max(created_at) as date) as as_of_date
     from staging.stg_orders`,
  );
}

function since(started: number): number {
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      buyers: { type: "string", default: "1000000" },
      seed: { type: "string", default: "6" },
      "skip-core": { type: "boolean", default: false },
    },
  });
  const result = await runClvBench({
    buyers: Number(values.buyers),
    seed: Number(values.seed),
    core: !values["skip-core"],
  });
  const p = result.pipeline;
  const rows: [string, number][] = [
    ["SQL statistics (int_clv_purchases, _buyers, _triples, _spend)", p.statisticsSeconds],
    ["mart_clv_model (read groups, fit, write)", p.fitModelSeconds],
    ["  BG/NBD fit", p.bgnbdFitSeconds],
    ["  Gamma-Gamma fit", p.gammaGammaFitSeconds],
    ["mart_clv (2F1 factors in TS, scores in SQL)", p.scoreSeconds],
    ["end to end (runTransforms int_clv_buyers+)", p.totalSeconds],
  ];
  const lines = [
    `CLV pipeline: ${result.buyers} buyers, ${result.orders} orders, ${result.triples} triples, ${result.spendPairs} spend pairs, ${result.factorPairs} (frequency, tenure) pairs` +
      ` (simulate ${result.simulateSeconds.toFixed(1)} s, load ${result.loadSeconds.toFixed(1)} s)`,
    ...rows.map(([label, value]) => `${label.padEnd(52)}${value.toFixed(2).padStart(8)} s`),
  ];
  if (result.core) {
    const c = result.core;
    lines.push(
      `core only (benchmarkClv): group ${(c.groupMs / 1000).toFixed(2)} s, fit ${(c.fitMs / 1000).toFixed(2)} s, ` +
        `score ${(c.scoreMs / 1000).toFixed(2)} s, total ${(c.totalMs / 1000).toFixed(2)} s`,
    );
  }
  const f = result.fit as Record<string, number | boolean>;
  lines.push(
    `fit: r ${num(f.r)} alpha ${num(f.alpha)} a ${num(f.a)} b ${num(f.b)} (truth r ${truth.r} alpha ${truth.alpha} a ${truth.a} b ${truth.b}),` +
      ` converged ${f.bgnbd_converged}/${f.gg_converged}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  const at = new Date().toISOString();
  const record = {
    at,
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    ...result,
  };
  const out = join(import.meta.dirname, "results", `clv-${at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`wrote ${relative(process.cwd(), out)}\n`);
}

function num(value: unknown): string {
  return typeof value === "number" ? value.toPrecision(4) : String(value);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
