import { readHeadlines } from "../report/read-headlines.ts";
import type { Environment } from "../run/environment.ts";
import type { StepResults } from "../run/job.ts";
import type { RunRecord } from "../run/run-job.ts";
import { analystDatabasePath } from "../serve/analyst-database.ts";
import { readStagingCounts } from "../transform/staging-counts.ts";
import { formatTable } from "./format-table.ts";

type FinishedRun = RunRecord & { readonly results: Readonly<StepResults> };

/**
 * Prints what a run did to stdout: steps, files and rows per source with
 * rejected and quarantined rows, models and tests, where the outputs are;
 * with `headlines`, the demo's headline metrics too.
 */
export async function printRunSummary(
  environment: Environment,
  record: FinishedRun,
  options: { readonly headlines?: boolean } = {},
): Promise<void> {
  const { warehouse, settings } = environment;
  const lines: string[] = [];
  lines.push(
    `run ${record.runId} (${record.job}): ${record.status} in ${record.seconds.toFixed(1)} s`,
  );
  lines.push(
    record.steps
      .map((step) => `${step.name} ${step.seconds.toFixed(2)} s ${step.status}`)
      .join(" · "),
  );
  if (record.nothingNew)
    lines.push(
      "nothing new: no new object, model version or setting since the last published run; nothing was built, tested or published",
    );

  const ingest = record.results.ingest;
  if (ingest) {
    const loaded = ingest.files.filter((f) => f.status === "loaded");
    const failed = ingest.files.filter((f) => f.status === "failed");
    lines.push("");
    lines.push(
      `files: ${ingest.filesListed} listed, ${loaded.length} loaded, ${ingest.filesUnchanged} unchanged, ${ingest.filesSkipped} skipped, ${failed.length} failed`,
    );
    const totals = await warehouse.all<{
      source: string;
      files: number;
      rows_read: number;
      rows_loaded: number;
      rows_rejected: number;
    }>(
      `select source, count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected
       from meta.loaded_files group by source`,
    );
    const transformed = record.results.transform !== undefined;
    const staging = transformed ? await readStagingCounts(warehouse) : [];
    lines.push("per source, everything loaded so far:");
    lines.push(
      formatTable(
        [
          "source",
          "files",
          "rows read",
          "loaded",
          "rejected",
          "staged",
          "quarantined",
          "superseded",
          "quarantine reasons",
        ],
        ingest.sources.map(({ source }) => {
          const total = totals.find((row) => row.source === source);
          const staged = staging.find((row) => row.source === source);
          return [
            source,
            total?.files ?? 0,
            total?.rows_read ?? 0,
            total?.rows_loaded ?? 0,
            total?.rows_rejected ?? 0,
            staged?.staged ?? null,
            staged?.quarantined ?? null,
            staged?.superseded ?? null,
            staged
              ? Object.entries(staged.quarantinedByReason)
                  .map(([reason, count]) => `${reason} ${count}`)
                  .join(", ")
              : null,
          ];
        }),
      ),
    );
    for (const file of failed) lines.push(`failed: ${file.key}: ${file.reason}`);
  }

  const transform = record.results.transform;
  if (transform) {
    lines.push("");
    lines.push(
      `models: ${transform.built.length} built, ${transform.upToDate.length} up to date, ${transform.failed.length} failed, ${transform.skipped.length} skipped`,
    );
  }
  const tests = record.results.test;
  if (tests) {
    const failing = tests.filter((t) => t.status !== "pass");
    // A reused result (inputs unchanged since it ran) took no time.
    const reused = tests.filter((t) => t.seconds === 0).length;
    lines.push(
      `data tests: ${tests.length - failing.length} passed, ${failing.length} failed or warned${reused ? ` (${reused} reused: inputs unchanged)` : ""}`,
    );
    for (const test of failing) lines.push(`  ${test.severity} ${test.name}: ${test.message}`);
  }
  if (record.steps.some((step) => step.name === "guard")) {
    const checks = await warehouse.all<{ status: string; message: string }>(
      "select status, message from meta.guard_checks where run_id = $1 order by status = 'pass', check_name, subject",
      [record.runId],
    );
    const breaches = checks.filter((check) => check.status !== "pass");
    const verdict =
      breaches.length === 0
        ? "all held"
        : breaches.some((check) => check.status === "accepted")
          ? `${breaches.length} breached, published with --accept-changes`
          : `${breaches.length} breached, nothing published`;
    lines.push(`publish guards: ${checks.length} checks, ${verdict}`);
    for (const breach of breaches) lines.push(`  ${breach.status} ${breach.message}`);
  }
  const published = record.results.publish;
  if (published) {
    lines.push(
      `published: ${Object.keys(published.manifest.marts).length} marts, ${published.files} files, s3://${environment.settings.s3Bucket}/${published.manifestKey}`,
    );
  }

  if (options.headlines && record.status === "succeeded" && transform) {
    const h = await readHeadlines(warehouse);
    const money = (value: number | null | undefined) =>
      value === null || value === undefined ? "n/a" : value.toFixed(2);
    const share = (value: number | null) =>
      value === null ? "n/a" : `${(100 * value).toFixed(1)}%`;
    lines.push("");
    lines.push(
      `headline metrics (data as of ${h.dataAsOf?.toISOString().replace("T", " ").slice(0, 19) ?? "n/a"}, ${settings.baseCurrency})`,
    );
    lines.push(`  DAU / WAU / MAU        ${money(h.dau)} / ${money(h.wau)} / ${money(h.mau)}`);
    lines.push(`  buyers                 ${h.buyers}`);
    lines.push(`  return rate            ${share(h.returnRate)}`);
    lines.push(`  LTV month 0 / month 5  ${money(h.ltvMonth0)} / ${money(h.ltvMonth5)}`);
    if (h.largestSource) {
      lines.push(
        `  largest source ${h.largestSource.sourceId}: CAC ${money(h.largestSource.cac)}, ROMI ${h.largestSource.romi === null ? "n/a" : h.largestSource.romi.toFixed(2)}`,
      );
    }
  }

  lines.push("");
  lines.push(`warehouse: ${settings.warehouse}`);
  if (published)
    lines.push(
      `analyst database (read-only): ${analystDatabasePath(settings)}  ·  npx duckmart query "select * from mart_kpi_monthly"`,
    );
  const report = record.results.report;
  if (report?.path) lines.push(`run report: ${report.path}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
