/**
 * Full-pipeline benchmark (issues 8 and 14): `npm run bench -- [--users N]
 * [--days D] [--seed S] [--memory-limit 4GB] [--threads N] [--cli-runs R]
 * [--keep]`.
 *
 * Generates D+1 days of exports for N visitors, serves the first D days from
 * a local S3 server (s3rver), and measures, each in its own process so that
 * peak RSS is per phase:
 *
 * 1. a full build: the daily job (ingest → transform → test → publish →
 *    report → serve) on an empty warehouse, per step and per model;
 * 2. an incremental run after the last day's files are uploaded;
 * 3. a run with nothing new;
 * 4. the baseline: bench/handwritten-duckdb.sql, a DuckDB script written by
 *    hand for speed, computing the SPEC §1 staging and the main §3 marts from
 *    the same D days of files on local disk (no CLV or k-means code models);
 * 5. CLI start: the median of R interleaved runs each of `node -e 0`,
 *    `node bin/duckmart.js --version` and `node bin/duckmart.js run --help`.
 *
 * Prints one table (wall time, rows/s, peak RSS per phase and step), the
 * ratios against issue 14's goals (full ≤ 3× the hand-written script,
 * incremental ≤ 15 % of full, nothing new ≤ 5 % of full, CLI start ≤ 4× bare
 * node), where the time goes, and writes the result to
 * bench/results/pipeline-<users>-<time>.json.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { formatTable } from "../src/cli/format-table.ts";
import { defaultGenerateOptions } from "../src/generate/generate-exports.ts";
import { startEmbeddedS3 } from "../src/storage/embedded-s3.ts";
import { S3ObjectStore } from "../src/storage/s3-object-store.ts";
import { codeModels } from "../src/transform/code-models/index.ts";
import { ConcurrencyLimit } from "../src/util/concurrency-limit.ts";
import type { BaselineInput, GenerateInput, PhaseEnvironment, RunMeasure } from "./bench-phase.ts";
import type { HandwrittenResult } from "./handwritten-duckdb.ts";

// The SDK warns about Node 20 on stderr when a client is made; the bench output should stay clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "300000" },
    days: { type: "string", default: String(defaultGenerateOptions.days) },
    seed: { type: "string", default: "7" },
    "memory-limit": { type: "string", default: "4GB" },
    threads: { type: "string", default: "0" },
    "cli-runs": { type: "string", default: "15" },
    keep: { type: "boolean", default: false },
  },
});
const users = Number(values.users);
const days = Number(values.days);
const memoryLimit = values["memory-limit"] ?? "";
const threads = Number(values.threads);
const cliRuns = Number(values["cli-runs"]);
const work = join(import.meta.dirname, "work");
const exportsDir = join(work, "exports");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

/** Goals of issue 14, as ratios measured in one bench run. */
const goals = {
  fullOverBaseline: 3,
  incrementalOverFull: 0.15,
  nothingNewOverFull: 0.05,
  cliStartOverNode: 4,
};
/** Issue 14's moonshots, shown beside the goals. */
const moonshots = { fullOverBaseline: 1.5, incrementalOverFull: 0.1 };

let phaseNumber = 0;
/** Runs one phase in a child process; returns its output and the child's wall time. */
async function phase<T>(name: string, input: unknown): Promise<{ out: T; processSeconds: number }> {
  phaseNumber += 1;
  const inputPath = join(work, `phase-${phaseNumber}-${name}.in.json`);
  const outputPath = join(work, `phase-${phaseNumber}-${name}.out.json`);
  writeFileSync(inputPath, JSON.stringify(input));
  process.stderr.write(`bench: ${name}…\n`);
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "bench-phase.ts"), name, inputPath, outputPath],
      {
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      },
    );
    child.on("error", reject);
    child.on("exit", resolve);
  });
  const processSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`bench phase ${name} exited with ${code}`);
  return { out: JSON.parse(readFileSync(outputPath, "utf8")) as T, processSeconds };
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    })
    .sort();
}

// 1. Exports: D days for the full build, plus one more day for the incremental run.
const generated = await phase<{
  files: number;
  bytes: number;
  rows: Record<string, number>;
  lastDate: string;
  seconds: number;
  peakRssMb: number;
}>("generate", {
  users,
  days: days + 1,
  seed: Number(values.seed),
  out: exportsDir,
} satisfies GenerateInput);
const allFiles = walk(exportsDir);
const newDay = `/dt=${generated.out.lastDate}/`;
const initialFiles = allFiles.filter((file) => !file.includes(newDay));
const dayFiles = allFiles.filter((file) => file.includes(newDay));

// 2. The S3 server and the first D days in it.
const s3 = await startEmbeddedS3(join(work, "s3"), "bench");
const store = new S3ObjectStore({
  endpoint: s3.endpoint,
  bucket: s3.bucket,
  region: "us-east-1",
  forcePathStyle: true,
  maxAttempts: 3,
  credentials: s3.credentials,
});
const upload = async (files: readonly string[]) => {
  const started = performance.now();
  const limit = new ConcurrencyLimit(16);
  await Promise.all(
    files.map((file) =>
      limit.run(() => store.write(`raw/${relative(exportsDir, file)}`, readFileSync(file))),
    ),
  );
  return (performance.now() - started) / 1000;
};

const environment: PhaseEnvironment = {
  overrides: {
    s3Endpoint: s3.endpoint,
    s3Bucket: s3.bucket,
    rawPrefix: "raw",
    publishPrefix: "marts",
    warehouse: join(work, "wh", "warehouse.duckdb"),
    workDir: join(work, "wh", "work"),
    ...(memoryLimit ? { memoryLimit } : {}),
    threads,
  },
  credentials: s3.credentials,
};

let full: { out: RunMeasure; processSeconds: number };
let incremental: { out: RunMeasure; processSeconds: number };
let nothingNew: { out: RunMeasure; processSeconds: number };
let uploadSeconds: number;
let uploadDaySeconds: number;
try {
  uploadSeconds = await upload(initialFiles);
  full = await phase<RunMeasure>("run", environment);
  uploadDaySeconds = await upload(dayFiles);
  incremental = await phase<RunMeasure>("run", environment);
  nothingNew = await phase<RunMeasure>("run", environment);
} finally {
  store.close();
  await s3.stop();
}
for (const [name, run] of [
  ["full", full],
  ["incremental", incremental],
  ["nothing new", nothingNew],
] as const) {
  if (run.out.status !== "succeeded")
    throw new Error(`the ${name} run failed: ${run.out.error ?? "no error recorded"}`);
}

// 3. The baseline, on the same files as the full build.
const baseline = await phase<HandwrittenResult & { peakRssMb: number }>("baseline", {
  ...environment,
  databasePath: join(work, "baseline", "baseline.duckdb"),
  exportsDir,
  files: initialFiles,
} satisfies BaselineInput);

// 4. CLI start, after the other phases so that nothing of the bench runs beside
// it; interleaved, so that a burst of load from elsewhere hits every command alike.
const cliCommands = {
  node: ["-e", "0"],
  version: [join("bin", "duckmart.js"), "--version"],
  runHelp: [join("bin", "duckmart.js"), "run", "--help"],
} as const;
type CliCommand = keyof typeof cliCommands;
process.stderr.write(`bench: CLI start (${cliRuns} rounds)…\n`);
const cliSamples: Record<CliCommand, number[]> = { node: [], version: [], runHelp: [] };
for (let round = 0; round < cliRuns; round++) {
  for (const command of Object.keys(cliCommands) as CliCommand[]) {
    const started = performance.now();
    const child = spawnSync(process.execPath, cliCommands[command], {
      cwd: join(import.meta.dirname, ".."),
      stdio: "ignore",
    });
    cliSamples[command].push((performance.now() - started) / 1000);
    if (child.status !== 0) throw new Error(`CLI start: ${command} exited with ${child.status}`);
  }
}
const median = (samples: readonly number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const cli = {
  node: median(cliSamples.node),
  version: median(cliSamples.version),
  runHelp: median(cliSamples.runHelp),
};

// 5. The table.
const rawRows = Object.values(generated.out.rows).reduce((sum, n) => sum + n, 0);
const perSecond = (rows: number | undefined, seconds: number) =>
  rows === undefined || rows === 0 ? null : Math.round(rows / seconds);
const round = (seconds: number) => Math.round(seconds * 100) / 100;
const rows: (string | number | null)[][] = [];
rows.push([
  `generate (${days + 1} days)`,
  round(generated.out.seconds),
  rawRows,
  perSecond(rawRows, generated.out.seconds),
  generated.out.peakRssMb,
]);
rows.push([`upload to S3 (${initialFiles.length} files)`, round(uploadSeconds), null, null, null]);
const runRows = (label: string, run: RunMeasure) => {
  rows.push([
    label,
    round(run.seconds),
    run.ingest?.rowsRead ?? 0,
    perSecond(run.ingest?.rowsRead, run.seconds),
    run.peakRssMb,
  ]);
  for (const step of run.steps) {
    rows.push([`  ${step.name}`, round(step.seconds), null, null, step.peakRssMb]);
    if (step.name === "ingest" && run.ingest) {
      rows.push([
        `    list (${run.ingest.filesListed} objects)`,
        round(run.ingest.list),
        null,
        null,
        null,
      ]);
      rows.push([
        `    waiting for downloads (${run.ingest.filesLoaded} files)`,
        round(run.ingest.waitForDownload),
        null,
        null,
        null,
      ]);
      rows.push([
        `    load`,
        round(run.ingest.load),
        run.ingest.rowsRead,
        perSecond(run.ingest.rowsRead, run.ingest.load),
        null,
      ]);
    }
    if (step.name === "transform") {
      const clv = run.models.filter((m) => m.model.includes("clv") && m.status === "built");
      if (clv.length > 0)
        rows.push([
          `    of which ${clv.length} CLV models`,
          round(clv.reduce((sum, m) => sum + m.seconds, 0)),
          null,
          null,
          null,
        ]);
    }
  }
};
runRows("full build", full.out);
rows.push([
  `upload one more day (${dayFiles.length} files)`,
  round(uploadDaySeconds),
  null,
  null,
  null,
]);
runRows("incremental day", incremental.out);
runRows("nothing new", nothingNew.out);
const fullRows = full.out.ingest?.rowsRead;
const loadSeconds = baseline.out.sections["load and stage"] ?? 0;
const martsSeconds = baseline.out.sections.marts ?? 0;
rows.push([
  "baseline: hand-written DuckDB",
  round(baseline.out.seconds),
  fullRows ?? null,
  perSecond(fullRows, baseline.out.seconds),
  baseline.out.peakRssMb,
]);
rows.push([
  "  read and stage (read_csv, §1 rules)",
  round(loadSeconds),
  fullRows ?? null,
  perSecond(fullRows, loadSeconds),
  null,
]);
rows.push([`  ${baseline.out.marts.length} marts`, round(martsSeconds), null, null, null]);
rows.push([
  "  open, set up, checkpoint and close",
  round(baseline.out.seconds - loadSeconds - martsSeconds),
  null,
  null,
  null,
]);
rows.push([`CLI start (median of ${cliRuns})`, null, null, null, null]);
rows.push(["  node -e 0", round(cli.node), null, null, null]);
rows.push(["  duckmart --version", round(cli.version), null, null, null]);
rows.push(["  duckmart run --help", round(cli.runHelp), null, null, null]);

const step = (run: RunMeasure, name: string) =>
  run.steps.find((s) => s.name === name)?.seconds ?? 0;
const codeModelNames = new Set(codeModels.map((model) => model.name));
const codeModelSeconds = full.out.models
  .filter((m) => codeModelNames.has(m.model) && m.status === "built")
  .reduce((sum, m) => sum + m.seconds, 0);
const ratios = {
  fullOverBaseline: full.out.seconds / baseline.out.seconds,
  incrementalOverFull: incremental.out.seconds / full.out.seconds,
  nothingNewOverFull: nothingNew.out.seconds / full.out.seconds,
  cliVersionOverNode: cli.version / cli.node,
  cliRunHelpOverNode: cli.runHelp / cli.node,
  cliStartOverNode: Math.max(cli.version, cli.runHelp) / cli.node,
  fullWithoutCodeModelsOverBaseline: (full.out.seconds - codeModelSeconds) / baseline.out.seconds,
  ingestAndTransformOverBaseline:
    (step(full.out, "ingest") + step(full.out, "transform")) / baseline.out.seconds,
};
const verdict = (value: number, goal: number) => (value <= goal ? "met" : "MISSED");
const lines: string[] = [];
lines.push(
  `${users.toLocaleString("en-US")} visitors, ${days} days + 1: ${allFiles.length} files, ${Math.round(generated.out.bytes / 2 ** 20)} MB, ${rawRows.toLocaleString("en-US")} raw rows; memory_limit ${memoryLimit || "(default)"}, threads ${threads || "all"}; ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`,
);
lines.push("");
lines.push(formatTable(["phase", "wall s", "rows", "rows/s", "peak RSS MB"], rows));
lines.push("");
lines.push(
  `full / hand-written    ${ratios.fullOverBaseline.toFixed(2)}×   goal ≤ ${goals.fullOverBaseline}×     ${verdict(ratios.fullOverBaseline, goals.fullOverBaseline)}   (moonshot ≤ ${moonshots.fullOverBaseline}×: ${verdict(ratios.fullOverBaseline, moonshots.fullOverBaseline)})`,
);
lines.push(
  `incremental / full     ${(100 * ratios.incrementalOverFull).toFixed(1)}%   goal ≤ ${100 * goals.incrementalOverFull}%    ${verdict(ratios.incrementalOverFull, goals.incrementalOverFull)}   (moonshot ≤ ${100 * moonshots.incrementalOverFull}%: ${verdict(ratios.incrementalOverFull, moonshots.incrementalOverFull)})`,
);
lines.push(
  `nothing new / full     ${(100 * ratios.nothingNewOverFull).toFixed(1)}%   goal ≤ ${100 * goals.nothingNewOverFull}%     ${verdict(ratios.nothingNewOverFull, goals.nothingNewOverFull)}`,
);
lines.push(
  `CLI start / node -e 0  ${ratios.cliStartOverNode.toFixed(2)}×   goal ≤ ${goals.cliStartOverNode}×     ${verdict(ratios.cliStartOverNode, goals.cliStartOverNode)}   (--version ${ratios.cliVersionOverNode.toFixed(2)}×, run --help ${ratios.cliRunHelpOverNode.toFixed(2)}×)`,
);
lines.push("");
lines.push(
  `The hand-written script skips the CLV and k-means code models (mart_clv_model, mart_clv, int_cluster_centres) and the marts on them; they took ${codeModelSeconds.toFixed(2)} s of the full build, which without them is ${ratios.fullWithoutCodeModelsOverBaseline.toFixed(2)}× the script. Ingest + transform alone: ${ratios.ingestAndTransformOverBaseline.toFixed(2)}×.`,
);
const handwritten = new Map(baseline.out.statements.map((s) => [s.table, s.seconds]));
const fullModels = new Map(full.out.models.map((m) => [m.model, m.seconds]));
lines.push(
  `same table, full build vs hand-written (s; the script's stg_visits includes reading its CSV): ${[
    ...handwritten.keys(),
  ]
    .filter((table) => fullModels.has(table))
    .map((table) => {
      // duckmart stages in two models: every raw row classified, then the staged ones
      const ours = (fullModels.get(table) ?? 0) + (fullModels.get(`${table}_classified`) ?? 0);
      return { table, ours, theirs: handwritten.get(table) ?? 0 };
    })
    .sort((a, b) => b.ours - b.theirs - (a.ours - a.theirs))
    .map(({ table, ours, theirs }) => `${table} ${ours.toFixed(2)} vs ${theirs.toFixed(2)}`)
    .join(", ")}`,
);
lines.push(
  `slowest hand-written statements: ${[...baseline.out.statements]
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 8)
    .map((s) => `${s.table} ${s.seconds.toFixed(2)}`)
    .join(", ")}`,
);
const top = (run: RunMeasure, n: number) =>
  run.models
    .filter((m) => m.status === "built")
    .slice(0, n)
    .map((m) => `${m.model} ${m.seconds.toFixed(2)}`)
    .join(", ");
const built = (run: RunMeasure) => run.models.filter((m) => m.status === "built").length;
lines.push("");
lines.push(`slowest models, full (${built(full.out)} built): ${top(full.out, 8)}`);
lines.push(
  `slowest models, incremental (${built(incremental.out)} of ${incremental.out.models.length} rebuilt): ${top(incremental.out, 8)}`,
);
lines.push(
  `slowest tests by model, full: ${full.out.tests
    .slice(0, 5)
    .map((t) => `${t.model} ${t.tests} tests ${t.seconds.toFixed(2)}`)
    .join(", ")}`,
);
lines.push(
  `nothing new, by step: ${nothingNew.out.steps.map((s) => `${s.name} ${s.seconds.toFixed(2)}`).join(", ")}; process start-up adds ${(nothingNew.processSeconds - nothingNew.out.seconds).toFixed(2)} s per run`,
);
process.stdout.write(`${lines.join("\n")}\n`);

const at = new Date().toISOString();
const result = {
  at,
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  options: { users, days, seed: Number(values.seed), memoryLimit, threads, cliRuns },
  files: { initial: initialFiles.length, newDay: dayFiles.length, bytes: generated.out.bytes },
  rawRows,
  generate: generated.out,
  uploadSeconds,
  uploadDaySeconds,
  full: { ...full.out, processSeconds: full.processSeconds },
  incremental: { ...incremental.out, processSeconds: incremental.processSeconds },
  nothingNew: { ...nothingNew.out, processSeconds: nothingNew.processSeconds },
  baseline: { ...baseline.out, processSeconds: baseline.processSeconds },
  cliStart: { medians: cli, samples: cliSamples },
  codeModelSeconds,
  ratios,
  goals,
  moonshots,
  met: {
    fullOverBaseline: ratios.fullOverBaseline <= goals.fullOverBaseline,
    incrementalOverFull: ratios.incrementalOverFull <= goals.incrementalOverFull,
    nothingNewOverFull: ratios.nothingNewOverFull <= goals.nothingNewOverFull,
    cliStartOverNode: ratios.cliStartOverNode <= goals.cliStartOverNode,
  },
  table: rows,
};
const out = join(
  import.meta.dirname,
  "results",
  `pipeline-${users}-${at.replace(/[:.]/g, "-")}.json`,
);
mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`wrote ${relative(process.cwd(), out)}\n`);
if (!values.keep) rmSync(work, { recursive: true, force: true });
