import type { Command } from "commander";
import { loadJob } from "../../../jobs/index.ts";
import { openEnvironment } from "../../run/environment.ts";
import { planRun, type RunPlan } from "../../run/plan-run.ts";
import { assertSucceeded } from "../../run/run-job.ts";
import { startRun } from "../../run/start-run.ts";
import { commandContext } from "../cli-context.ts";
import { formatTable } from "../format-table.ts";
import { printRunSummary } from "../run-summary.ts";

/** `duckmart run [--job NAME] [--full-refresh] [--select MODELS] [--accept-changes] [--dry-run]`. */
export async function runCommand(
  options: {
    job: string;
    fullRefresh?: boolean;
    select?: string;
    acceptChanges?: boolean;
    dryRun?: boolean;
  },
  command: Command,
): Promise<void> {
  const job = await loadJob(options.job);
  const { settings, logger } = commandContext(command);
  const environment = await openEnvironment(settings, logger, job.name);
  try {
    if (options.dryRun) {
      process.stdout.write(formatPlan(await planRun(environment, options)));
      return;
    }
    const record = await startRun(environment, job, "manual", {
      fullRefresh: options.fullRefresh,
      select: options.select,
      acceptChanges: options.acceptChanges,
    });
    await printRunSummary(environment, record);
    assertSucceeded(record);
  } finally {
    environment.close();
  }
}

function formatPlan(plan: RunPlan): string {
  const lines = ["dry run: nothing was loaded, built or published", ""];
  const loads = plan.loads.filter((load) => load.newObjects + load.replacedObjects > 0);
  lines.push(
    `objects to load: ${
      loads.length === 0
        ? "none"
        : loads
            .map(
              (load) => `${load.source} ${load.newObjects} new, ${load.replacedObjects} replaced`,
            )
            .join("; ")
    } (${plan.unchangedObjects} unchanged)`,
    "",
  );
  const models = plan.transform.models.filter((model) => model.action !== "not_selected");
  lines.push(
    formatTable(
      ["model", "kind", "action", "reason"],
      models.map((planned) => [
        planned.model.name,
        planned.model.type === "code" ? "code" : planned.model.metadata.kind,
        planned.incremental ? "merge" : planned.action === "build" ? "build" : "up to date",
        planned.reason ?? "",
      ]),
    ),
  );
  const builds = models.filter((model) => model.action === "build");
  lines.push(
    "",
    builds.length === 0 && loads.length === 0
      ? "nothing new: no object to load and no model to build"
      : `${builds.length} model(s) to build, ${builds.filter((model) => model.incremental).length} of them by merging new objects; ${models.length - builds.length} up to date`,
  );
  return `${lines.join("\n")}\n`;
}
