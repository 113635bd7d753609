import type { Settings } from "../config/settings.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";
import { computeVersions, type ModelVersion, sourceFingerprints } from "./fingerprint.ts";
import type { Model } from "./model.ts";
import { type Project, partitionParents } from "./project.ts";
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
   * The build merges changes into the existing table instead of rebuilding
   * it: an `incremental_by_key` model whose version is unchanged and whose
   * changed model parents are all lookups it declares that record the rows
   * they change in this run (otherwise only its source changed), or an
   * `incremental_by_partition` model whose changed parents all split by its
   * partitions or are lookups it declares, and record the rows they change
   * in this run.
   */
  readonly incremental: boolean;
  /**
   * The build records the rows it changed (see `merge-incremental.ts`): a
   * child merges them, or the model is merged and declares data tests,
   * which can then check only those rows (`captureForTests`).
   */
  readonly captureChanges: boolean;
  /** The fingerprint of the model's data before this run (`none` when never built). */
  readonly previousDataFingerprint: string;
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
  /**
   * A merged model that declares data tests records its changes too, for
   * tests that check only them (the daily job's test step).
   */
  readonly captureForTests?: boolean;
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
  const planned = new Map<
    string,
    Omit<PlannedModel, "captureChanges" | "previousDataFingerprint">
  >();
  // A built parent can hand its changed rows to a merging child when it is
  // rebuilt or merged over its previous table with the same columns.
  const recordsChanges = (parent: string, fromFingerprint: string | undefined) => {
    const step = planned.get(parent);
    return (
      step?.reason === "inputs_changed" &&
      step.model.metadata.kind !== "view" &&
      state.get(parent)?.data_fingerprint === fromFingerprint
    );
  };
  // Parents whose build must record its changed rows for a merging child.
  const capturing = new Set<string>();
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
    const before = previous?.inputs
      ? (JSON.parse(previous.inputs) as Record<string, string>)
      : null;
    const changed = Object.keys(inputs).filter((input) => before?.[input] !== inputs[input]);
    const changedParents = changed
      .filter((input) => input.startsWith("model:"))
      .map((input) => input.slice("model:".length));
    const splitByPartition = new Set(partitionParents(model, project.models));
    const incremental =
      reason === "inputs_changed" &&
      before !== null &&
      changed.length > 0 &&
      (model.metadata.kind === "incremental_by_key"
        ? changedParents.every(
            (parent) =>
              model.metadata.lookups?.[parent] !== undefined &&
              recordsChanges(parent, before[`model:${parent}`]),
          )
        : model.metadata.kind === "incremental_by_partition" &&
          changedParents.length === changed.length &&
          changedParents.every(
            (parent) =>
              (splitByPartition.has(parent) || model.metadata.lookups?.[parent] !== undefined) &&
              recordsChanges(parent, before[`model:${parent}`]),
          ));
    // Only the changed parents record their changes: an unchanged one may be
    // rebuilt for another reason (its table went missing) with nothing to compare.
    if (incremental) for (const parent of changedParents) capturing.add(parent);
    if (options.captureForTests === true && incremental && model.metadata.tests.length > 0)
      capturing.add(model.name);
    planned.set(model.name, {
      model,
      version,
      action,
      ...(reason === undefined ? {} : { reason }),
      inputs,
      inputFingerprint,
      dataFingerprint,
      incremental,
    });
  }
  return {
    models: [...planned.values()].map((step) => ({
      ...step,
      captureChanges: capturing.has(step.model.name),
      previousDataFingerprint: state.get(step.model.name)?.data_fingerprint ?? "none",
    })),
    versions,
    // Every setting counts: any change may change what a run publishes.
    stateFingerprint: fingerprint({ settings, models: Object.fromEntries(dataFingerprints) }),
  };
}
