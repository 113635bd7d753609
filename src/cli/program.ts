import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { jobNames } from "../../jobs/index.ts";
import { packagePath } from "../util/package-path.ts";

/**
 * The `duckmart` command line: every command with its options and help, in
 * this one place. A command's code is imported only when that command runs
 * (see {@link lazy}), so `--help` and `--version` load commander and this file
 * alone, not DuckDB, the AWS SDK or Vega.
 *
 * @example
 * await createProgram().parseAsync(process.argv);
 */
export function createProgram(): Command {
  const { version } = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as {
    version: string;
  };
  const program = new Command("duckmart")
    .description("Scheduled ETL and customer-analytics warehouse on DuckDB")
    .option("--config <file>", "settings file (default config/duckmart.yaml, or $DUCKMART_CONFIG)")
    .version(version, "--version", "print the version")
    .configureOutput({
      // Commander's own errors end with the reason too (SPEC §5): one line, prefixed like ours.
      outputError: (message, write) =>
        write(`duckmart: ${message.replace(/^error: /i, "").trim()} (see duckmart --help)\n`),
    })
    .exitOverride();

  program
    .command("run")
    .description(
      "run one job now (default daily: ingest → plan → transform → test → guard → publish)",
    )
    .option("--job <name>", `job to run (${jobNames.join(", ")})`, "daily")
    .option("--full-refresh", "rebuild every model")
    .option(
      "--select <models>",
      "models to build: name, name+ (and descendants), +name (and ancestors)",
    )
    .option(
      "--accept-changes",
      "publish even when a publish guard breaches (a known, corrected re-export); recorded with the run",
    )
    .option(
      "--dry-run",
      "print the plan (objects to load, each model's action and why) without loading or building",
    )
    .action(lazy(async () => (await import("./commands/run-command.ts")).runCommand));

  program
    .command("demo")
    .description(
      "start an embedded S3 server (unless an endpoint is set), generate demo data, run daily",
    )
    .action(lazy(async () => (await import("./commands/demo-command.ts")).demoCommand));

  program
    .command("generate")
    .description("write deterministic synthetic raw exports (same seed, same bytes)")
    .option("--users <n>", "distinct visitors (default: the demo's)", positiveInteger)
    .option("--days <n>", "days of exports, one object per source per day", positiveInteger)
    .option("--seed <n>", "random seed", integer)
    .option("--start <date>", "first day, YYYY-MM-DD")
    .option(
      "--out <target>",
      "s3://bucket/prefix or a local folder (default: the configured bucket's raw prefix)",
    )
    .action(lazy(async () => (await import("./commands/generate-command.ts")).generateCommand));

  const files = program
    .command("files")
    .description("list raw files, or skip a bad one so later runs go on");
  files
    .command("skip <key>")
    .description("do not load this object (its current version) again; later runs go on without it")
    .option("--reason <text>", "why, kept in meta.skipped_files")
    .action(lazy(async () => (await import("./commands/files-command.ts")).skipFileCommand));
  files
    .command("unskip <key>")
    .description("load this object again on the next run")
    .action(lazy(async () => (await import("./commands/files-command.ts")).unskipFileCommand));
  files
    .command("list")
    .description("files loaded, skipped, or failed in their last attempt")
    .option("--failed", "only files whose last attempt failed")
    .action(lazy(async () => (await import("./commands/files-command.ts")).listFilesCommand));

  program
    .command("schedule")
    .description("run jobs on their cron schedules until SIGTERM/SIGINT")
    .option(
      "--job <names>",
      `only these jobs, comma-separated (${jobNames.join(", ")}; default: all)`,
      jobNameList,
    )
    .option(
      "--retries <n>",
      "attempts per run for transient failures (a whole number ≥ 1)",
      attempts,
      3,
    )
    .action(lazy(async () => (await import("./commands/schedule-command.ts")).scheduleCommand));

  program
    .command("status")
    .description(
      "last runs, source freshness, mart sizes and publish guards; non-zero exit when a source breaks a freshness SLA",
    )
    .action(lazy(async () => (await import("./commands/status-command.ts")).statusCommand));

  program
    .command("query <sql>")
    .description("read-only SQL on the analyst database (the last completed run)")
    .option("--format <format>", "table, csv or json", "table")
    .action(lazy(async () => (await import("./commands/query-command.ts")).queryCommand));

  program
    .command("docs")
    .description("write the HTML run report of the last (or given) run and print its path")
    .option("--run <run_id>", "the run to report on (default: the newest run)")
    .option(
      "--dictionary",
      "write the data dictionary (sources, models, columns, tests) as Markdown instead",
    )
    .option(
      "--out <file>",
      "where to write it (default: reports/<run_id>/index.html next to the warehouse)",
    )
    .action(lazy(async () => (await import("./commands/docs-command.ts")).docsCommand));

  program
    .command("models")
    .description("list the models, show a model's lineage, or print the SQL it runs")
    .option("--lineage <model>", "what feeds the model and what it feeds")
    .option("--sql <model>", "print the SQL the model runs, header included")
    .action(lazy(async () => (await import("./commands/models-command.ts")).modelsCommand));

  return program;
}

/** An action whose module is imported when the command runs, not when the program is built. */
function lazy<Args extends unknown[]>(
  load: () => Promise<(...args: Args) => Promise<void>>,
): (...args: Args) => Promise<void> {
  return async (...args) => (await load())(...args);
}

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("not a whole number");
  return Number(value);
}

function positiveInteger(value: string): number {
  const number = integer(value);
  if (number <= 0) throw new InvalidArgumentError("must be at least 1");
  return number;
}

function jobNameList(value: string): readonly string[] {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names.filter((name) => !jobNames.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown job ${unknown.join(", ") || "(none given)"} (known: ${jobNames.join(", ")})`,
    );
  }
  return names;
}

function attempts(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new InvalidArgumentError(`"${value}" is not a whole number of attempts ≥ 1`);
  }
  return Number(value);
}
