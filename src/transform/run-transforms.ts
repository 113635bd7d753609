import type { Settings } from "../config/settings.ts";
import { ensureRawTables } from "../ingest/raw-tables.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { declaredSources } from "../sources/resolve-sources.ts";
import { ModelError, toError } from "../util/errors.ts";
import { insertMeta } from "../warehouse/state-store.ts";
import { quoteIdentifier, type SqlSession, type Warehouse } from "../warehouse/warehouse.ts";
import type { ModelVersion } from "./fingerprint.ts";
import { changesTable, mergeByKey, mergeByPartition, rebuild } from "./merge-incremental.ts";
import type { CodeModelDefinition } from "./model.ts";
import { type PlannedModel, planTransforms, type TransformPlan } from "./plan-transforms.ts";
import { loadProject, type Project, partitionParents } from "./project.ts";
import { setSettingVariables } from "./settings-variables.ts";

/** What happened to a model in a run. */
export type ModelStatus = "built" | "failed" | "skipped" | "up_to_date";

/** The outcome of one model in a run. */
export interface ModelOutcome {
  readonly model: string;
  readonly relation: string;
  readonly status: ModelStatus;
  /** Why it was built (a BuildReason, or `incremental` for a merge), or for a skipped model which parent stopped it. */
  readonly reason?: string;
  readonly version: string;
  readonly rows?: number;
  readonly seconds: number;
  readonly error?: ModelError;
}

/** What a transform run did, model by model, in build order. */
export interface TransformResult {
  readonly runId: string;
  readonly outcomes: readonly ModelOutcome[];
  readonly built: readonly string[];
  readonly failed: readonly string[];
  /** Not attempted because a parent failed (or was itself skipped). */
  readonly skipped: readonly string[];
  readonly upToDate: readonly string[];
  /** No model failed. */
  readonly ok: boolean;
  /**
   * With `keepChanges`: the models merged in this run whose changed rows
   * are still in their changes table, for the data tests; the caller drops
   * them ({@link dropMergedChanges}).
   */
  readonly mergedChanges: readonly MergedChanges[];
}

/** Where a merged model's changed rows are, and what its data was before the merge. */
export interface MergedChanges {
  readonly model: string;
  /** Every row the merge removed or added (see `changesTable`). */
  readonly table: string;
  /** The model's data fingerprint before the merge: the table the changes apply to. */
  readonly previousDataFingerprint: string;
}

/** Drops the changes tables a transform kept (`keepChanges`). */
export async function dropMergedChanges(
  warehouse: Warehouse,
  mergedChanges: readonly MergedChanges[],
): Promise<void> {
  for (const changes of mergedChanges) await warehouse.run(`drop table if exists ${changes.table}`);
}

/** Options of {@link runTransforms}. */
export interface TransformOptions {
  readonly runId: string;
  /** `name`, `name+`, `+name`, `+name+`, comma-separated; default all models. */
  readonly select?: string | readonly string[];
  /** Rebuild every selected model whatever its state. */
  readonly fullRefresh?: boolean;
  /** Root of the SQL project (default the repository's `sql/`). */
  readonly sqlDir?: string;
  /** Models computed in TypeScript, e.g. the CLV fit. */
  readonly codeModels?: readonly CodeModelDefinition[];
  /** An already loaded project (wins over sqlDir and codeModels). */
  readonly project?: Project;
  /** The plan to execute, when the caller planned already (default: plan now). */
  readonly plan?: TransformPlan;
  /** Keep the changes tables of merged models for the data tests (see `mergedChanges`). */
  readonly keepChanges?: boolean;
  readonly logger?: Logger;
}

/**
 * Executes a transform plan (see `planTransforms`): builds the selected
 * models in topological order, each only when its version or its inputs
 * changed since its table was built (or always with `fullRefresh`). A model
 * is built with `create or replace`, or merged when the plan says so (an
 * incremental model whose source and declared lookups, or whose
 * partition-split parents, alone changed; see `merge-incremental.ts`),
 * inside a transaction that also writes its state, so a failure leaves its
 * previous table in place; its descendants are skipped and the run goes on
 * with the rest. Never throws
 * for a failing model: read `failed` / `ok` in the result.
 *
 * The warehouse must be migrated (meta.model_state etc.).
 *
 * @example
 * const result = await runTransforms(warehouse, settings, { runId, select: "mart_rfm+" });
 * if (!result.ok) throw result.outcomes.find((o) => o.error)?.error;
 */
export async function runTransforms(
  warehouse: Warehouse,
  settings: Settings,
  options: TransformOptions,
): Promise<TransformResult> {
  // The caller binds run id and step (runJob does): adding them here would repeat the keys.
  const logger = options.logger ?? silentLogger();
  const project =
    options.project ??
    (await loadProject({
      sqlDir: options.sqlDir,
      codeModels: options.codeModels,
      sources: declaredSources(settings),
      userSqlDir: settings.modelsDir || undefined,
    }));

  await ensureRawTables(warehouse, project.sources);
  for (const schema of new Set([...project.models.values()].map((model) => model.schema))) {
    await warehouse.run(`create schema if not exists ${quoteIdentifier(schema)}`);
  }
  await setSettingVariables(
    warehouse,
    settings,
    new Set([...project.models.values()].flatMap((model) => model.settings)),
  );
  const plan =
    options.plan ??
    (await planTransforms(warehouse, settings, project, {
      select: options.select,
      fullRefresh: options.fullRefresh,
      captureForTests: options.keepChanges === true,
    }));
  await recordVersions(warehouse, options.runId, project, plan.versions);
  const existing = await existingRelations(warehouse);

  const outcomes: ModelOutcome[] = [];
  const blocked = new Map<string, string>();
  // Models whose build recorded its changed rows in a changes table this run.
  const recorded = new Set<string>();
  const mergedChanges: MergedChanges[] = [];
  let finished = false;
  try {
    for (const step of plan.models) {
      if (step.action === "not_selected") continue;
      const { model, version, inputs, inputFingerprint } = step;
      const started = performance.now();
      const startedAt = new Date();
      // Only what has been committed is announced: a build's outcome is logged
      // after its transaction, never from inside it.
      const announce = (outcome: ModelOutcome) => {
        outcomes.push(outcome);
        const fields = {
          model: model.name,
          status: outcome.status,
          reason: outcome.reason,
          rows: outcome.rows,
        };
        if (outcome.status === "failed")
          logger.error({ ...fields, err: outcome.error }, "model failed");
        else
          logger.info(
            { ...fields, ms: Math.round(outcome.seconds * 1000) },
            `model ${outcome.status}`,
          );
      };
      const record = async (outcome: ModelOutcome) => {
        await recordBuild(warehouse, options.runId, outcome, step, startedAt);
        announce(outcome);
      };

      const stopper = model.parents.find((parent) => blocked.has(parent));
      if (stopper !== undefined) {
        blocked.set(model.name, stopper);
        await record({
          model: model.name,
          relation: model.relation,
          status: "skipped",
          reason: `parent ${stopper} ${outcomes.find((o) => o.model === stopper)?.status ?? "failed"}`,
          version,
          seconds: 0,
        });
        continue;
      }
      if (step.action === "up_to_date") {
        await record({
          model: model.name,
          relation: model.relation,
          status: "up_to_date",
          version,
          seconds: 0,
        });
        continue;
      }

      try {
        const built = await warehouse.transaction(async (session) => {
          const rows = await buildModel(session, step, existing.get(model.relation), {
            settings,
            runId: options.runId,
            logger,
            models: project.models,
            recorded,
          });
          await session.run("delete from meta.model_state where model = $1", [model.name]);
          await insertMeta(session, "meta.model_state", [
            {
              model: model.name,
              relation: model.relation,
              version,
              input_fingerprint: inputFingerprint,
              data_fingerprint: step.dataFingerprint,
              run_id: options.runId,
              built_at: startedAt,
              rows: rows ?? null,
              inputs: JSON.stringify(inputs),
            },
          ]);
          const outcome: ModelOutcome = {
            model: model.name,
            relation: model.relation,
            status: "built",
            reason: step.incremental ? "incremental" : step.reason,
            version,
            ...(rows === undefined ? {} : { rows }),
            seconds: (performance.now() - started) / 1000,
          };
          await recordBuild(session, options.runId, outcome, step, startedAt);
          return outcome;
        });
        announce(built);
        if (step.captureChanges) recorded.add(model.name);
        if (
          options.keepChanges === true &&
          step.captureChanges &&
          step.incremental &&
          model.metadata.tests.length > 0
        )
          mergedChanges.push({
            model: model.name,
            table: changesTable(model.name),
            previousDataFingerprint: step.previousDataFingerprint,
          });
        existing.set(model.relation, model.metadata.kind === "view" ? "VIEW" : "BASE TABLE");
      } catch (thrown) {
        const cause = toError(thrown);
        const error = new ModelError(
          `model ${model.name} (${model.relation}) failed: ${cause.message}`,
          { cause },
        );
        blocked.set(model.name, model.name);
        await record({
          model: model.name,
          relation: model.relation,
          status: "failed",
          reason: step.reason,
          version,
          seconds: (performance.now() - started) / 1000,
          error,
        });
      }
    }
    finished = true;
  } finally {
    // Kept only for a caller that gets the result to drop them.
    const kept = new Set(finished ? mergedChanges.map((changes) => changes.model) : []);
    for (const name of recorded)
      if (!kept.has(name)) await warehouse.run(`drop table if exists ${changesTable(name)}`);
  }

  const named = (status: ModelStatus) =>
    outcomes.filter((o) => o.status === status).map((o) => o.model);
  const result: TransformResult = {
    runId: options.runId,
    outcomes,
    built: named("built"),
    failed: named("failed"),
    skipped: named("skipped"),
    upToDate: named("up_to_date"),
    ok: named("failed").length === 0,
    mergedChanges,
  };
  logger.info(
    {
      built: result.built.length,
      failed: result.failed.length,
      skipped: result.skipped.length,
      upToDate: result.upToDate.length,
    },
    "transforms finished",
  );
  return result;
}

/** Builds or merges the model's relation as planned; returns its row count (tables only). */
async function buildModel(
  session: SqlSession,
  step: PlannedModel,
  existingType: string | undefined,
  context: {
    readonly settings: Settings;
    readonly runId: string;
    readonly logger: Logger;
    readonly models: Project["models"];
    /** Models whose changes this run recorded. */
    readonly recorded: ReadonlySet<string>;
  },
): Promise<number | undefined> {
  const { model } = step;
  const relation = `${quoteIdentifier(model.schema)}.${quoteIdentifier(model.name)}`;
  const kind = model.metadata.kind === "view" ? "view" : "table";
  // `create or replace view` cannot replace a table (nor the reverse).
  if (existingType === "VIEW" && kind === "table") await session.run(`drop view ${relation}`);
  if (existingType === "BASE TABLE" && kind === "view") await session.run(`drop table ${relation}`);
  if (model.type === "sql" && step.incremental) {
    const merged =
      model.metadata.kind === "incremental_by_key"
        ? await mergeByKey(
            session,
            model,
            Object.keys(model.metadata.lookups ?? {}).filter((parent) =>
              context.recorded.has(parent),
            ),
            step.captureChanges,
          )
        : await mergeByPartition(
            session,
            model,
            context.models,
            [
              ...partitionParents(model, context.models),
              ...Object.keys(model.metadata.lookups ?? {}),
            ].filter((parent) => context.recorded.has(parent)),
            step.captureChanges,
          );
    context.logger.debug({ model: model.name, ...merged }, "incremental merge");
  } else if (model.type === "sql") {
    await rebuild(session, model, step.captureChanges, () =>
      session.run(`create or replace ${kind} ${relation} as\n${model.sql}`),
    );
  } else {
    await rebuild(session, model, step.captureChanges, () =>
      model.build({
        session,
        relation,
        settings: context.settings,
        runId: context.runId,
        logger: context.logger.child({ model: model.name }),
      }),
    );
  }
  if (kind === "view") return undefined;
  const [count] = await session.all<{ n: number }>(`select count(*) as n from ${relation}`);
  return count?.n ?? 0;
}

async function existingRelations(session: SqlSession): Promise<Map<string, string>> {
  const rows = await session.all<{ relation: string; table_type: string }>(
    "select table_schema || '.' || table_name as relation, table_type from information_schema.tables",
  );
  return new Map(rows.map((row) => [row.relation, row.table_type]));
}

async function recordVersions(
  session: SqlSession,
  runId: string,
  project: Project,
  versions: ReadonlyMap<string, ModelVersion>,
): Promise<void> {
  const known = new Set(
    (
      await session.all<{ key: string }>(
        "select model || '@' || version as key from meta.model_versions",
      )
    ).map((row) => row.key),
  );
  for (const [name, version] of versions) {
    if (known.has(`${name}@${version.version}`)) continue;
    await insertMeta(session, "meta.model_versions", [
      {
        model: name,
        version: version.version,
        kind: project.models.get(name)?.metadata.kind ?? "table",
        query: version.query,
        settings: JSON.stringify(version.settings),
        parents: JSON.stringify(version.parents),
        first_run_id: runId,
        created_at: new Date(),
      },
    ]);
  }
}

async function recordBuild(
  session: SqlSession,
  runId: string,
  outcome: ModelOutcome,
  step: PlannedModel,
  startedAt: Date,
): Promise<void> {
  await session.run("delete from meta.model_builds where run_id = $1 and model = $2", [
    runId,
    outcome.model,
  ]);
  await insertMeta(session, "meta.model_builds", [
    {
      run_id: runId,
      model: outcome.model,
      relation: outcome.relation,
      version: outcome.version,
      input_fingerprint: step.inputFingerprint,
      inputs: JSON.stringify(step.inputs),
      status: outcome.status,
      reason: outcome.reason ?? null,
      rows: outcome.rows ?? null,
      started_at: startedAt,
      finished_at: new Date(),
      seconds: outcome.seconds,
      error: outcome.error?.message ?? null,
    },
  ]);
}
