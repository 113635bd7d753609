import type { IngestSummary } from "../ingest/ingest.ts";
import type { Environment } from "../run/environment.ts";
import type { RunRecord } from "../run/run-job.ts";
import { formatTable } from "./format-table.ts";

/** Prints what a run did to stdout: steps, files and rows per source, where the outputs are. */
export async function printRunSummary(
  environment: Environment,
  record: RunRecord & { readonly results: ReadonlyMap<string, unknown> },
): Promise<void> {
  const lines: string[] = [];
  lines.push(
    `run ${record.runId} (${record.job}): ${record.status} in ${record.seconds.toFixed(1)} s`,
  );
  lines.push(
    record.steps
      .map((step) => `${step.name} ${step.seconds.toFixed(2)} s ${step.status}`)
      .join(" · "),
  );
  const ingest = record.results.get("ingest") as IngestSummary | undefined;
  if (ingest) {
    lines.push("");
    lines.push(
      `files: ${ingest.filesListed} listed, ${ingest.files.filter((f) => f.status === "loaded").length} loaded, ${ingest.filesUnchanged} unchanged, ${ingest.filesSkipped} skipped, ${ingest.files.filter((f) => f.status === "failed").length} failed`,
    );
    const totals = await environment.warehouse.all<{
      source: string;
      files: number;
      rows_read: number;
      rows_loaded: number;
      rows_rejected: number;
    }>(
      `select source, count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected
       from meta.loaded_files group by source order by source`,
    );
    lines.push(
      formatTable(
        ["source", "files", "rows read", "loaded", "rejected", "this run: files", "rows"],
        totals.map((row) => {
          const thisRun = ingest.sources.find((s) => s.source === row.source);
          return [
            row.source,
            row.files,
            row.rows_read,
            row.rows_loaded,
            row.rows_rejected,
            thisRun?.files ?? 0,
            thisRun?.rowsLoaded ?? 0,
          ];
        }),
      ),
    );
    for (const failed of ingest.files.filter((f) => f.status === "failed")) {
      lines.push(`failed: ${failed.key}: ${failed.reason}`);
    }
  }
  lines.push("");
  lines.push(`warehouse: ${environment.settings.warehouse}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
