import type { Settings } from "../config/settings.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";
import { computeVersions, type ModelVersion, sourceFingerprints } from "./fingerprint.ts";
import type { Model } from "./model.ts";
import type { Project } from "./project.ts";
import { fingerprint } from "./stable-hash.ts";

/** Why a model is rebuilt. */
export type BuildReason = "new" | "version_changed" | "inputs_changed" | "missing" | "full_refresh";

/** What the run will do with a model. */
export type PlannedAction = "build" | "up_to_date" | "not_selected";

/** One model in the plan, in build order. */
export interface PlannedModel {
  readonly model: Model;
  readonly version: string;
  readonly action: PlannedAction;
  readonly reason?: BuildReason;
  /** The parents' data fingerprints and the sources' fingerprints the model is built from. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly inputFingerprint: string;
  /** The fingerprint of the model's data once the plan has run (its current one when not built). */
  readonly dataFingerprint: string;
  /**
   * An incremental model whose version and model parents are unchanged:
   * only its sources have new or removed objects, so the build merges them
   * into the existing table instead of rebuilding it.
   */
  readonly incremental: boolean;
}

/** What a run's transform will do, decided before anything is built. */
export interface TransformPlan {
  readonly models: readonly PlannedModel[];
  readonly versions: ReadonlyMap<string, ModelVersion>;
  /**
   * The settings and every model's data fingerprint once the plan has run:
   * equal to the last published run's, the run has nothing new to publish.
   */
  readonly stateFingerprint: string;
}

/** Options of {@link planTransforms}. */
export interface PlanOptions {
  /** `name`, `name+`, `+name`, `+name+`, comma-separated; default all models. */
  readonly select?: string | readonly string[];
  /** Rebuild every selected model whatever its state. */
  readonly fullRefresh?: boolean;
  /**
   * Sources with objects ingest has yet to load (a dry run plans before
   * ingesting): their fingerprints are taken as changed.
   */
  readonly pendingSources?: ReadonlySet<string>;
}

interface StateRow extends Record<string, unknown> {
  readonly model: string;
  readonly version: string;
  readonly input_fingerprint: string;
  readonly data_fingerprint: string;
  readonly inputs: string | null;
}

/**
 * Decides, for every model in build order, whether it is built and why,
 * reading only the warehouse's state: a model is built when it is new,
 * its table is missing, its version changed, or the fingerprints of its
 * inputs changed; a parent that will be built passes on the data
 * fingerprint it will have, so the plan is complete before the first build.
 */
export async function planTransforms(
  session: SqlSession,
  settings: Settings,
  project: Project,
  options: PlanOptions = {},
): Promise<TransformPlan> {
  const selected =
    options.select === undefined
      ? new Set(project.graph.order)
      : project.graph.select(options.select);
  const models = project.graph.order.map((name) => project.models.get(name) as Model);
  const versions = computeVersions(project, settings);
  const sources = await sourceFingerprints(
    session,
    models.flatMap((model) => model.sources),
  );
  const state = new Map(
    (
      await session.all<StateRow>(
        "select model, version, input_fingerprint, data_fingerprint, inputs from meta.model_state",
      )
    ).map((row) => [row.model, row]),
  );
  const existing = new Set(
    (
      await session.all<{ relation: string }>(
        "select table_schema || '.' || table_name as relation from information_schema.tables",
      )
    ).map((row) => row.relation),
  );

  const dataFingerprints = new Map<string, string>();
  const planned: PlannedModel[] = [];
  for (const model of models) {
    const version = (versions.get(model.name) as ModelVersion).version;
    const inputs: Record<string, string> = {};
    for (const parent of model.parents)
      inputs[`model:${parent}`] = dataFingerprints.get(parent) ?? "none";
    for (const source of model.sources)
      inputs[`source:${source}`] = options.pendingSources?.has(source)
        ? "pending"
        : (sources.get(source)?.fingerprint ?? "none");
    const inputFingerprint = fingerprint(inputs);
    const previous = state.get(model.name);
    const reason: BuildReason | undefined = !selected.has(model.name)
      ? undefined
      : options.fullRefresh
        ? "full_refresh"
        : previous === undefined
          ? "new"
          : !existing.has(model.relation)
            ? "missing"
            : previous.version !== version
              ? "version_changed"
              : previous.input_fingerprint !== inputFingerprint
                ? "inputs_changed"
                : undefined;
    const action: PlannedAction =
      reason !== undefined ? "build" : selected.has(model.name) ? "up_to_date" : "not_selected";
    const dataFingerprint =
      action === "build"
        ? fingerprint({ version, inputs: inputFingerprint })
        : (previous?.data_fingerprint ?? "none");
    dataFingerprints.set(model.name, dataFingerprint);
    planned.push({
      model,
      version,
      action,
      ...(reason === undefined ? {} : { reason }),
      inputs,
      inputFingerprint,
      dataFingerprint,
      incremental:
        reason === "inputs_changed" &&
        model.metadata.kind === "incremental_by_key" &&
        onlySourcesChanged(inputs, previous?.inputs ?? null),
    });
  }
  return {
    models: planned,
    versions,
    // Every setting counts: any change may change what a run publishes.
    stateFingerprint: fingerprint({ settings, models: Object.fromEntries(dataFingerprints) }),
  };
}

/** Whether every model parent's fingerprint equals the one the model was last built from. */
function onlySourcesChanged(
  inputs: Readonly<Record<string, string>>,
  previous: string | null,
): boolean {
  if (previous === null) return false;
  const before = JSON.parse(previous) as Record<string, string>;
  return Object.entries(inputs).every(
    ([input, value]) => !input.startsWith("model:") || before[input] === value,
  );
}
