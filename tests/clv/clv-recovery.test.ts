/**
 * End to end: exports generated with known BG/NBD parameters go through the
 * real path — s3rver, ingest, staging, the CLV SQL statistics and the code
 * models — and the fit in mart_clv_model must give the parameters back.
 *
 * ~20k buyers: the generator's visitors buy with probability 0.12 (plus a
 * few offline buyers), so 170k visitors over a year. Slow (~45 s), most of
 * it generating and ingesting 1,825 objects.
 *
 * Tolerance. The pipeline does not see the generator's continuous story:
 * SPEC §3 counts purchase *dates* (orders on one date are one purchase) and
 * measures recency and tenure in whole days from dates, so its estimator
 * converges to the parameters θ* of the day-grained data, not to θ; merged
 * same-day purchases alone are about (r+1)/(2α) ≈ 3 % of repeat purchases
 * here. The acquisition process does not bias anything: BG/NBD conditions on
 * each buyer's first purchase time, and the generator draws repeat purchases
 * from there to the end of the period whatever brought the buyer in. So the
 * test checks three things, each with a stated tolerance:
 *
 * 1. sampling — the same buyers refitted in continuous time from their order
 *    timestamps lie within 4 asymptotic SEs of θ (as the core's
 *    parameter-recovery test does for the bare process);
 * 2. the pipeline — θ* is estimated by re-drawing K = 10 copies of every
 *    buyer from θ with the buyer's own first-order time, and turning them
 *    into dates exactly as the SQL does; the pipeline's θ̂ must lie within
 *    4 SEs of θ*, widened by √(1 + 1/K) for θ*'s own sampling error;
 * 3. the discretisation shift |ln θ* − ln θ| stays below 0.15 (it is 0.01 to 0.09 here).
 *
 * 4 SEs: a correct fit fails with probability ≈ 6·10⁻⁵ per parameter; the
 * data are seeded, so the test is deterministic anyway.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BgNbdParams, fitBgNbd, groupCustomers } from "../../src/clv/index.ts";
import { drawRepeatPurchaseTimes } from "../../src/generate/bgnbd-process.ts";
import { type GenerationSummary, generateExports } from "../../src/generate/generate-exports.ts";
import { Random } from "../../src/generate/random.ts";
import { ingest } from "../../src/ingest/ingest.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { runDataTests } from "../../src/quality/run-data-tests.ts";
import { resolveSources } from "../../src/sources/resolve-sources.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { codeModels } from "../../src/transform/code-models/index.ts";
import { loadProject, type Project } from "../../src/transform/project.ts";
import { runTransforms } from "../../src/transform/run-transforms.ts";
import { migrate } from "../../src/warehouse/migrate.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { testSettings } from "../transform/fixture-warehouse.ts";
import { expectScoresMatchCore, expectSpecColumns } from "./clv-mart-checks.ts";

const truth: BgNbdParams = { r: 0.6, alpha: 25, a: 0.8, b: 2.4 };
const generateOptions = { users: 170_000, days: 365, seed: 11, bgnbd: truth } as const;
const secondsPerDay = 86_400;
/** The generator's period ends after `days` days from its default start, 2024-01-01. */
const periodEnd = Date.UTC(2024, 0, 1) / 1000 + generateOptions.days * secondsPerDay;
const parameterNames = ["r", "alpha", "a", "b"] as const;

let warehouse: Warehouse;
let project: Project;
let generated: GenerationSummary;
let runNumber = 0;

async function transform(options: { select?: string; fullRefresh?: boolean } = {}) {
  runNumber += 1;
  const result = await runTransforms(warehouse, testSettings(), {
    runId: `recovery-${runNumber}`,
    project,
    ...options,
  });
  const failed = result.outcomes.find((outcome) => outcome.error !== undefined);
  if (failed) throw failed.error;
  return result;
}

// Started while the file is collected, not in beforeAll: vitest drops an
// afterAll registered inside a hook, and with it the clean-up of both.
const s3 = await startTestS3();
const dir = tempDir("clv-recovery");

beforeAll(async () => {
  const sink = objectStoreSink(s3.store, "raw", "s3://duckmart/raw");
  const uploads: Promise<void>[] = [];
  generated = await generateExports(generateOptions, {
    async write(key, body) {
      uploads.push(sink.write(key, body));
      if (uploads.length >= 16) await Promise.all(uploads.splice(0));
    },
  });
  await Promise.all(uploads);

  warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
  await migrate(warehouse);
  await ingest({
    runId: "recovery-ingest",
    warehouse,
    store: s3.store,
    sources: resolveSources({ sources: {} }),
    workDir: join(dir, "work"),
    maxRejectRatio: 0.01,
    downloadConcurrency: 16,
    logger: silentLogger(),
  });
  project = await loadProject({ codeModels });
  await transform();
}, 300_000);

afterAll(() => warehouse?.close());

interface BuyerTimes extends Record<string, unknown> {
  readonly first_epoch: number;
  readonly last_epoch: number;
  readonly orders: number;
}

/** Every staged buyer's first and last order time (epoch seconds) and order count. */
async function buyerTimes(): Promise<BuyerTimes[]> {
  return warehouse.all<BuyerTimes>(
    `select epoch(min(created_at)) as first_epoch, epoch(max(created_at)) as last_epoch, count(*) as orders
       from staging.stg_orders group by user_id order by user_id`,
  );
}

/** The same buyers in the generator's continuous time: every order a purchase, times in fractional days. */
function continuousFit(buyers: readonly BuyerTimes[]) {
  const n = buyers.length;
  return fitBgNbd({
    frequency: Float64Array.from(buyers, (b) => b.orders - 1),
    recency: Float64Array.from(buyers, (b) => (b.last_epoch - b.first_epoch) / secondsPerDay),
    // The generator observes a buyer up to the last second of the period.
    tenure: Float64Array.from(buyers, (b) => (periodEnd - 1 - b.first_epoch) / secondsPerDay),
    count: new Float64Array(n).fill(1),
  });
}

/**
 * θ*: K copies of every buyer re-drawn from θ with the buyer's own first
 * order time, as the generator draws them (times rounded to the second,
 * nothing at or after the period end), then reduced to dates as
 * int_clv_buyers does: distinct dates, recency and tenure in whole days.
 */
function dayGrainedFit(buyers: readonly BuyerTimes[], copies: number) {
  const random = new Random(20_241_124);
  const asOfDay = periodEnd / secondsPerDay - 1;
  const frequency: number[] = [];
  const recency: number[] = [];
  const tenure: number[] = [];
  for (let copy = 0; copy < copies; copy++) {
    for (const buyer of buyers) {
      const first = buyer.first_epoch;
      const firstDay = Math.floor(first / secondsPerDay);
      const dates = new Set<number>();
      for (const offset of drawRepeatPurchaseTimes(
        random,
        truth,
        (periodEnd - 1 - first) / secondsPerDay,
      )) {
        const at = first + Math.round(offset * secondsPerDay);
        if (at < periodEnd) dates.add(Math.floor(at / secondsPerDay));
      }
      dates.delete(firstDay);
      let lastDay = firstDay;
      for (const day of dates) lastDay = Math.max(lastDay, day);
      frequency.push(dates.size);
      recency.push(lastDay - firstDay);
      tenure.push(asOfDay - firstDay);
    }
  }
  return fitBgNbd(groupCustomers({ frequency, recency, tenure }).groups);
}

describe("CLV end to end on generated exports (20k buyers, BG/NBD r 0.6, α 25 days, a 0.8, b 2.4)", () => {
  it("observes the whole generated period: as_of_date is its last day", async () => {
    const [asOf] = await warehouse.all<{ day: number }>(
      "select epoch(as_of_date::timestamp) / 86400 as day from intermediate.int_data_as_of",
    );
    expect(asOf?.day).toBe(periodEnd / secondsPerDay - 1);
  });

  it("gives back r, α, a, b: within sampling error of the day-grained truth, which stays near θ", async () => {
    const [fit] = await warehouse.all<Record<string, number | boolean>>(
      "select * from main.mart_clv_model",
    );
    const [record] = await warehouse.all<{ log_param_std_errors: string }>(
      "select log_param_std_errors from meta.clv_fits where model = 'bgnbd'",
    );
    expect(fit?.bgnbd_converged).toBe(true);
    expect(fit?.bgnbd_customers).toBe(generated.buyers);
    expect(generated.buyers).toBeGreaterThan(19_000);
    const se = JSON.parse(record?.log_param_std_errors ?? "{}") as Record<string, number>;

    const buyers = await buyerTimes();
    const continuous = continuousFit(buyers);
    const copies = 10;
    const dayGrained = dayGrainedFit(buyers, copies);
    expect(continuous.converged).toBe(true);
    expect(dayGrained.converged).toBe(true);

    const report: Record<string, Record<string, number>> = {};
    for (const name of parameterNames) {
      const fitted = fit?.[name] as number;
      const star = dayGrained.params[name];
      const seName = se[name] as number;
      const seContinuous = continuous.logParamStdErrors[name];
      const zPipeline = (Math.log(fitted) - Math.log(star)) / (seName * Math.sqrt(1 + 1 / copies));
      const zContinuous =
        (Math.log(continuous.params[name]) - Math.log(truth[name])) / seContinuous;
      const shift = Math.log(star) - Math.log(truth[name]);
      report[name] = {
        truth: truth[name],
        "θ* (days)": round(star),
        "θ̂ pipeline": round(fitted),
        "SE ln θ̂": round(seName),
        "z θ̂ vs θ*": round(zPipeline, 2),
        "θ̂ continuous": round(continuous.params[name]),
        "z continuous vs θ": round(zContinuous, 2),
        "ln θ* − ln θ": round(shift, 3),
        "z θ̂ vs θ (no allowance)": round((Math.log(fitted) - Math.log(truth[name])) / seName, 2),
      };
      // SEs small enough that 4 of them still catch a 40 % error.
      expect(seName).toBeGreaterThan(0);
      expect(seName).toBeLessThan(0.1);
      expect(Math.abs(zContinuous), `${name}: continuous refit vs truth`).toBeLessThanOrEqual(4);
      expect(Math.abs(zPipeline), `${name}: pipeline vs day-grained truth`).toBeLessThanOrEqual(4);
      expect(Math.abs(shift), `${name}: discretisation shift`).toBeLessThan(0.15);
    }
    console.log("BG/NBD recovery through the pipeline (per day; SE of ln parameter)");
    console.table(report);
  });

  it("publishes both marts with the SPEC columns, every buyer scored as the TypeScript core scores it", async () => {
    await expectSpecColumns(warehouse);
    const [counts] = await warehouse.all<{ clv: number; profiles: number; matched: number }>(
      `select
           (select count(*) from main.mart_clv) as clv,
           (select count(*) from main.mart_user_profile) as profiles,
           (select count(*) from main.mart_clv inner join main.mart_user_profile using (user_id)) as matched`,
    );
    expect(counts).toEqual({
      clv: generated.buyers,
      profiles: generated.buyers,
      matched: generated.buyers,
    });
    expect(await expectScoresMatchCore(warehouse, { horizon: 90, margin: 1 })).toBe(
      generated.buyers,
    );
    const [gg] = await warehouse.all(
      "select gg_converged, gg_customers > 10000 as many from main.mart_clv_model",
    );
    expect(gg).toEqual({ gg_converged: true, many: true });
  });

  it("passes every data test of the CLV models, warnings included", async () => {
    const results = await runDataTests(warehouse, {
      runId: "recovery-tests",
      project,
      select: "int_clv_purchases+",
    });
    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((result) => result.status !== "pass")).toEqual([]);
  });

  it("publishes equal values when rebuilt from the same inputs (SPEC §5)", async () => {
    const snapshot = async () => ({
      model: await warehouse.all("select * from main.mart_clv_model"),
      scores: await warehouse.all("select * from main.mart_clv order by user_id"),
    });
    const before = await snapshot();
    const result = await transform({ select: "int_clv_purchases+", fullRefresh: true });
    expect([...result.built].sort()).toEqual([
      "int_clv_buyers",
      "int_clv_purchases",
      "int_clv_spend",
      "int_clv_triples",
      "mart_clv",
      "mart_clv_model",
      "mart_value_at_risk",
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it("rebuilds nothing when nothing changed", async () => {
    const result = await transform();
    expect(result.built).toEqual([]);
  });
});

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}
