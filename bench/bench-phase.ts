/**
 * One phase of the pipeline bench, run in its own process so that its peak
 * RSS (DuckDB's native memory included) is its own:
 * `node --import tsx bench/bench-phase.ts <phase> <input.json> <output.json>`.
 * Phases: `generate` (synthetic exports to a folder), `run` (one run of the
 * daily job against the bench's S3 server) and `baseline` (the hand-written
 * DuckDB script, bench/handwritten-duckdb.sql).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { dailyJob } from "../jobs/daily.ts";
import { loadSettings } from "../src/config/load-settings.ts";
import type { Settings } from "../src/config/settings.ts";
import { defaultGenerateOptions, generateExports } from "../src/generate/generate-exports.ts";
import { createLogger } from "../src/log/logger.ts";
import { openEnvironment } from "../src/run/environment.ts";
import type { JobDefinition, JobStep } from "../src/run/job.ts";
import { startRun } from "../src/run/start-run.ts";
import { reportStep } from "../src/run/steps/report-step.ts";
import { directorySink } from "../src/storage/key-sinks.ts";
import {
  type HandwrittenSource,
  handwrittenSources,
  runHandwrittenDuckDb,
} from "./handwritten-duckdb.ts";
import { maxRssMb, startRssSampler } from "./rss-sampler.ts";

/** Settings overrides and S3 credentials a `run` or `baseline` phase gets from the driver. */
export interface PhaseEnvironment {
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Input of the `generate` phase. */
export interface GenerateInput {
  readonly users: number;
  readonly days: number;
  readonly seed: number;
  readonly out: string;
}

/** Input of the `baseline` phase: the run's settings, and the files of the full build. */
export interface BaselineInput extends PhaseEnvironment {
  readonly databasePath: string;
  readonly exportsDir: string;
  readonly files: readonly string[];
}

/** One step of a measured run. */
export interface StepMeasure {
  readonly name: string;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly status: string;
}

/** What a `run` phase measured. */
export interface RunMeasure {
  readonly runId: string;
  readonly status: string;
  readonly error?: string;
  /** Open (lock + migrate) → job → close: a scheduled run without process start-up. */
  readonly seconds: number;
  readonly jobSeconds: number;
  readonly peakRssMb: number;
  readonly steps: readonly StepMeasure[];
  readonly ingest?: {
    readonly filesListed: number;
    readonly filesLoaded: number;
    readonly rowsRead: number;
    readonly bytes: number;
    readonly list: number;
    readonly waitForDownload: number;
    readonly load: number;
  };
  readonly models: readonly {
    readonly model: string;
    readonly status: string;
    readonly reason: string | null;
    readonly seconds: number;
    readonly rows: number | null;
  }[];
  readonly tests: readonly {
    readonly model: string;
    readonly tests: number;
    readonly seconds: number;
  }[];
  readonly publish?: { readonly files: number; readonly bytes: number };
}

const [phase, inputPath, outputPath] = process.argv.slice(2);
if (!phase || !inputPath || !outputPath) {
  throw new Error("usage: bench-phase.ts <generate|run|baseline> <input.json> <output.json>");
}
const input: unknown = JSON.parse(readFileSync(inputPath, "utf8"));
const started = performance.now();
let output: unknown;
switch (phase) {
  case "generate": {
    const { users, days, seed, out } = input as GenerateInput;
    const summary = await generateExports(
      { ...defaultGenerateOptions, users, days, seed },
      directorySink(out),
    );
    output = {
      files: summary.files,
      bytes: summary.bytes,
      rows: summary.rows,
      lastDate: summary.lastDate,
      seconds: (performance.now() - started) / 1000,
      peakRssMb: maxRssMb(),
    };
    break;
  }
  case "run":
    output = await measureRun(input as PhaseEnvironment);
    break;
  case "baseline": {
    const baseline = input as BaselineInput;
    const settings = settingsFor(baseline);
    // The exports lie at {exportsDir}/{source}/dt=…/part-000.csv.
    const files = Object.fromEntries(
      handwrittenSources.map((source) => [
        source,
        baseline.files.filter((file) => file.startsWith(join(baseline.exportsDir, source, "/"))),
      ]),
    ) as Record<HandwrittenSource, string[]>;
    mkdirSync(dirname(baseline.databasePath), { recursive: true });
    const result = await runHandwrittenDuckDb({
      databasePath: baseline.databasePath,
      files,
      baseCurrency: settings.baseCurrency,
      margin: settings.margin,
      assumedCac: settings.assumedCac,
      memoryLimit: settings.memoryLimit,
      threads: settings.threads,
      tempDirectory: settings.tempDirectory,
    });
    output = { ...result, peakRssMb: maxRssMb() };
    break;
  }
  default:
    throw new Error(`unknown phase ${phase}`);
}
writeFileSync(outputPath, JSON.stringify(output));

function settingsFor(environment: PhaseEnvironment): Settings {
  return loadSettings({ env: {}, overrides: environment.overrides });
}

/** The daily job as shipped, with the report step after publish if jobs/daily.ts lacks it. */
function benchJob(): JobDefinition {
  if (dailyJob.steps.some((step) => step.name === "report")) return dailyJob;
  const serve = dailyJob.steps.findIndex((step) => step.name === "serve");
  const steps = [...dailyJob.steps];
  steps.splice(serve === -1 ? steps.length : serve, 0, reportStep);
  return { ...dailyJob, steps };
}

async function measureRun(environment: PhaseEnvironment): Promise<RunMeasure> {
  const settings = settingsFor(environment);
  const logger = createLogger({ level: process.env.DUCKMART_LOG_LEVEL ?? "warn", pretty: false });
  const sampler = startRssSampler();
  const measures: StepMeasure[] = [];
  const job = benchJob();
  const measured: JobDefinition = {
    ...job,
    steps: job.steps.map(
      (step): JobStep => ({
        ...step,
        async run(context) {
          sampler.mark();
          const stepStarted = performance.now();
          let status = "failed";
          try {
            const outcome = await step.run(context);
            status = "succeeded";
            return outcome;
          } finally {
            measures.push({
              name: step.name,
              seconds: (performance.now() - stepStarted) / 1000,
              peakRssMb: sampler.peakMb(),
              status,
            });
          }
        },
      }),
    ),
  };
  const environmentStarted = performance.now();
  const opened = await openEnvironment(settings, logger, "bench", environment.credentials);
  let record: Awaited<ReturnType<typeof startRun>>;
  let jobSeconds: number;
  let models: RunMeasure["models"] = [];
  let tests: RunMeasure["tests"] = [];
  try {
    const jobStarted = performance.now();
    record = await startRun(opened, measured, "manual");
    jobSeconds = (performance.now() - jobStarted) / 1000;
    models = await opened.warehouse.all(
      `select model, status, reason, seconds, rows from meta.model_builds
       where run_id = $1 order by seconds desc`,
      [record.runId],
    );
    tests = await opened.warehouse.all(
      `select model, count(*) as tests, sum(seconds) as seconds from meta.data_test_results
       where run_id = $1 group by model order by seconds desc`,
      [record.runId],
    );
  } finally {
    opened.close();
  }
  const seconds = (performance.now() - environmentStarted) / 1000;
  sampler.stop();
  const ingest = record.results.ingest;
  const publish = record.results.publish;
  const loaded = ingest?.files.filter((file) => file.status === "loaded") ?? [];
  return {
    runId: record.runId,
    status: record.status,
    ...(record.error ? { error: record.error.message } : {}),
    seconds,
    jobSeconds,
    peakRssMb: maxRssMb(),
    steps: measures,
    ...(ingest
      ? {
          ingest: {
            filesListed: ingest.filesListed,
            filesLoaded: loaded.length,
            rowsRead: loaded.reduce((sum, file) => sum + file.rowsRead, 0),
            bytes: ingest.bytes,
            list: ingest.seconds.list,
            waitForDownload: ingest.seconds.waitForDownload,
            load: ingest.seconds.load,
          },
        }
      : {}),
    models,
    tests,
    ...(publish ? { publish: { files: publish.files, bytes: publish.bytes } } : {}),
  };
}
