import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { Logger } from "../../log/logger.ts";
import { projectFor } from "../../run/steps/run-project.ts";
import { computeVersions } from "../../transform/fingerprint.ts";
import type { Project } from "../../transform/project.ts";
import { DuckmartError } from "../../util/errors.ts";
import { Warehouse } from "../../warehouse/warehouse.ts";
import { commandContext } from "../cli-context.ts";
import { formatTable } from "../format-table.ts";

type ModelState = {
  readonly model: string;
  readonly version: string;
  readonly built_at: Date;
  readonly rows: number | null;
};

/**
 * `duckmart models [--lineage NAME] [--sql NAME]`: every model with its
 * layer, kind, version, last build, rows and parents; what feeds a model and
 * what it feeds; or the exact SQL a model runs (generated staging models too).
 */
export async function modelsCommand(
  options: { lineage?: string; sql?: string },
  command: Command,
): Promise<void> {
  const { settings, logger } = commandContext(command);
  const project = await projectFor(settings);
  const named = (name: string) => {
    const model = project.models.get(name);
    if (model === undefined) {
      throw new DuckmartError(
        `unknown model ${name} (known: ${[...project.models.keys()].sort().join(", ")})`,
      );
    }
    return model;
  };
  if (options.sql !== undefined) {
    const model = named(options.sql);
    if (model.type !== "sql") {
      throw new DuckmartError(
        `${model.name} is computed in TypeScript (code model ${model.codeVersion}); it has no SQL`,
      );
    }
    process.stdout.write(model.sql.endsWith("\n") ? model.sql : `${model.sql}\n`);
    return;
  }
  if (options.lineage !== undefined) {
    named(options.lineage);
    process.stdout.write(`${lineage(project, options.lineage)}\n`);
    return;
  }
  const states = await readStates(settings.warehouse, logger);
  const versions = computeVersions(project, settings);
  const rows = project.graph.order.map((name) => {
    const model = named(name);
    const state = states.get(name);
    const version = versions.get(name)?.version.slice(0, 12) ?? "";
    const current =
      state === undefined
        ? "never built"
        : state.version.startsWith(version)
          ? ""
          : "changed since";
    return [
      name,
      model.layer,
      model.type === "code" ? "code" : model.metadata.kind,
      version,
      state
        ? `${state.built_at.toISOString().slice(0, 19).replace("T", " ")}${current ? ` (${current})` : ""}`
        : current,
      state?.rows ?? null,
      [...model.sources.map((source) => `raw.${source}`), ...model.parents].join(", "),
    ];
  });
  process.stdout.write(
    `${formatTable(["model", "layer", "kind", "version", "last build", "rows", "reads"], rows)}\n`,
  );
}

/** Last successful build per model, when the warehouse exists and is not locked by a run. */
async function readStates(path: string, logger: Logger): Promise<Map<string, ModelState>> {
  if (!existsSync(path)) return new Map();
  let warehouse: Warehouse;
  try {
    warehouse = await Warehouse.open(path, { readOnly: true, logger });
  } catch (error) {
    logger.warn({ err: error }, "the warehouse is busy: builds are not shown");
    return new Map();
  }
  try {
    const rows = await warehouse.all<ModelState>(
      "select model, version, built_at, rows from meta.model_state",
    );
    return new Map(rows.map((row) => [row.model, row]));
  } catch {
    return new Map();
  } finally {
    warehouse.close();
  }
}

/** Upstream and downstream trees of one model, raw sources as the upstream leaves. */
function lineage(project: Project, name: string): string {
  const lines: string[] = [`${name}`, "  reads:"];
  const seenUp = new Set<string>();
  const up = (model: string, depth: number) => {
    const node = project.models.get(model);
    for (const source of node?.sources ?? []) lines.push(`${"  ".repeat(depth)}raw.${source}`);
    for (const parent of project.graph.parentsOf(model)) {
      const repeated = seenUp.has(parent);
      lines.push(`${"  ".repeat(depth)}${parent}${repeated ? " (above)" : ""}`);
      seenUp.add(parent);
      if (!repeated) up(parent, depth + 1);
    }
  };
  up(name, 2);
  if (lines.length === 2) lines.push("    (nothing)");
  lines.push("  feeds:");
  const before = lines.length;
  const seenDown = new Set<string>();
  const down = (model: string, depth: number) => {
    for (const child of project.graph.childrenOf(model)) {
      const repeated = seenDown.has(child);
      lines.push(`${"  ".repeat(depth)}${child}${repeated ? " (above)" : ""}`);
      seenDown.add(child);
      if (!repeated) down(child, depth + 1);
    }
  };
  down(name, 2);
  if (lines.length === before) lines.push("    (nothing)");
  return lines.join("\n");
}
