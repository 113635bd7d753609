import { planLoads } from "../ingest/ingest.ts";
import { resolveSources } from "../sources/resolve-sources.ts";
import { planTransforms, type TransformPlan } from "../transform/plan-transforms.ts";
import type { Environment } from "./environment.ts";
import type { RunOptions } from "./job.ts";
import { projectFor } from "./steps/run-project.ts";

/** What a run would do now, decided without loading, building or writing anything. */
export interface RunPlan {
  /** Objects ingest would load, per source. */
  readonly loads: readonly {
    readonly source: string;
    readonly newObjects: number;
    readonly replacedObjects: number;
    readonly bytes: number;
  }[];
  readonly unchangedObjects: number;
  readonly transform: TransformPlan;
}

/**
 * The plan of a daily run (`duckmart run --dry-run`): the objects ingest
 * would load, and each model's action and reason, with the sources that
 * have objects waiting taken as changed.
 */
export async function planRun(environment: Environment, options: RunOptions): Promise<RunPlan> {
  const { warehouse, store, settings } = environment;
  const sources = resolveSources(settings);
  const listing = await planLoads({ warehouse, store, sources });
  const loads = sources.map((source) => {
    const mine = listing.toLoad.filter(
      (load) => load.source.declaration.name === source.declaration.name,
    );
    return {
      source: source.declaration.name,
      newObjects: mine.filter((load) => !load.replaces).length,
      replacedObjects: mine.filter((load) => load.replaces).length,
      bytes: mine.reduce((sum, load) => sum + load.object.size, 0),
    };
  });
  const transform = await planTransforms(warehouse, settings, await projectFor(settings), {
    select: options.select,
    fullRefresh: options.fullRefresh,
    pendingSources: new Set(
      loads.filter((load) => load.newObjects + load.replacedObjects > 0).map((load) => load.source),
    ),
  });
  return { loads, unchangedObjects: listing.unchanged, transform };
}
