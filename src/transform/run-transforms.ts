import type { Settings } from "../config/settings.ts";
import { ensureRawTables } from "../ingest/raw-tables.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { declaredSources } from "../sources/resolve-sources.ts";
import { ModelError, toError } from "../util/errors.ts";
import { quoteIdentifier, type SqlSession, type Warehouse } from "../warehouse/warehouse.ts";
import { computeVersions, type ModelVersion, sourceFingerprints } from "./fingerprint.ts";
import type { CodeModelDefinition, Model } from "./model.ts";
import { loadProject, type Project } from "./project.ts";
import { setSettingVariables } from "./settings-variables.ts";
import { fingerprint } from "./stable-hash.ts";

/** What happened to a model in a run. */
export type ModelStatus = "built" | "failed" | "skipped" | "up_to_date";

/** Why a model was rebuilt. */
export type BuildReason = "new" | "version_changed" | "inputs_changed" | "missing" | "full_refresh";

/** The outcome of one model in a run. */
export interface ModelOutcome {
  readonly model: string;
  readonly relation: string;
  readonly status: ModelStatus;
  /** Why it was built, or for a skipped model which parent stopped it. */
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
  readonly logger?: Logger;
}

interface StateRow extends Record<string, unknown> {
  readonly model: string;
  readonly version: string;
  readonly input_fingerprint: string;
  readonly data_fingerprint: string;
}

/**
 * Builds the selected models in topological order, each only when its
 * version or its inputs changed since its table was built (or always with
 * `fullRefresh`). A model is built with `create or replace` inside a
 * transaction, so a failure leaves its previous table in place; its
 * descendants are skipped and the run goes on with the rest. Never throws
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
  const selected =
    options.select === undefined
      ? new Set(project.graph.order)
      : project.graph.select(options.select);
  const models = project.graph.order
    .filter((name) => selected.has(name))
    .map((name) => project.models.get(name) as Model);

  await ensureRawTables(warehouse, project.sources);
  for (const schema of new Set([...project.models.values()].map((model) => model.schema))) {
    await warehouse.run(`create schema if not exists ${quoteIdentifier(schema)}`);
  }
  await setSettingVariables(
    warehouse,
    settings,
    new Set([...project.models.values()].flatMap((model) => model.settings)),
  );
  const versions = computeVersions(project, settings);
  await recordVersions(warehouse, options.runId, project, versions);
  const sources = await sourceFingerprints(
    warehouse,
    models.flatMap((model) => model.sources),
  );
  const state = new Map(
    (
      await warehouse.all<StateRow & { relation: string }>(
        "select model, relation, version, input_fingerprint, data_fingerprint from meta.model_state",
      )
    ).map((row) => [row.model, row]),
  );
  const existing = await existingRelations(warehouse);

  const outcomes: ModelOutcome[] = [];
  const blocked = new Map<string, string>();
  for (const model of models) {
    const started = performance.now();
    const startedAt = new Date();
    const version = (versions.get(model.name) as ModelVersion).version;
    const inputs: Record<string, string> = {};
    for (const parent of model.parents)
      inputs[`model:${parent}`] = state.get(parent)?.data_fingerprint ?? "none";
    for (const source of model.sources)
      inputs[`source:${source}`] = sources.get(source)?.fingerprint ?? "none";
    const inputFingerprint = fingerprint(inputs);
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
      await recordBuild(warehouse, options.runId, outcome, inputFingerprint, inputs, startedAt);
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

    const previous = state.get(model.name);
    const reason: BuildReason | undefined = options.fullRefresh
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
    if (reason === undefined) {
      await record({
        model: model.name,
        relation: model.relation,
        status: "up_to_date",
        version,
        seconds: 0,
      });
      continue;
    }

    const dataFingerprint = fingerprint({ version, inputs: inputFingerprint });
    try {
      const built = await warehouse.transaction(async (session) => {
        const rows = await buildModel(session, model, existing.get(model.relation), {
          settings,
          runId: options.runId,
          logger,
        });
        await session.run("delete from meta.model_state where model = $1", [model.name]);
        await session.run("insert into meta.model_state values ($1, $2, $3, $4, $5, $6, $7, $8)", [
          model.name,
          model.relation,
          version,
          inputFingerprint,
          dataFingerprint,
          options.runId,
          startedAt,
          rows ?? null,
        ]);
        const outcome: ModelOutcome = {
          model: model.name,
          relation: model.relation,
          status: "built",
          reason,
          version,
          ...(rows === undefined ? {} : { rows }),
          seconds: (performance.now() - started) / 1000,
        };
        await recordBuild(session, options.runId, outcome, inputFingerprint, inputs, startedAt);
        return outcome;
      });
      announce(built);
      state.set(model.name, {
        model: model.name,
        version,
        input_fingerprint: inputFingerprint,
        data_fingerprint: dataFingerprint,
        relation: model.relation,
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
        reason,
        version,
        seconds: (performance.now() - started) / 1000,
        error,
      });
    }
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

/** Creates or replaces the model's relation; returns its row count (tables only). */
async function buildModel(
  session: SqlSession,
  model: Model,
  existingType: string | undefined,
  context: { readonly settings: Settings; readonly runId: string; readonly logger: Logger },
): Promise<number | undefined> {
  const relation = `${quoteIdentifier(model.schema)}.${quoteIdentifier(model.name)}`;
  const kind = model.metadata.kind;
  // `create or replace view` cannot replace a table (nor the reverse).
  if (existingType === "VIEW" && kind === "table") await session.run(`drop view ${relation}`);
  if (existingType === "BASE TABLE" && kind === "view") await session.run(`drop table ${relation}`);
  if (model.type === "sql") {
    await session.run(`create or replace ${kind} ${relation} as\n${model.sql}`);
  } else {
    await model.build({
      session,
      relation,
      settings: context.settings,
      runId: context.runId,
      logger: context.logger.child({ model: model.name }),
    });
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
    await session.run("insert into meta.model_versions values ($1, $2, $3, $4, $5, $6, $7, $8)", [
      name,
      version.version,
      project.models.get(name)?.metadata.kind ?? "table",
      version.query,
      JSON.stringify(version.settings),
      JSON.stringify(version.parents),
      runId,
      new Date(),
    ]);
  }
}

async function recordBuild(
  session: SqlSession,
  runId: string,
  outcome: ModelOutcome,
  inputFingerprint: string,
  inputs: Readonly<Record<string, string>>,
  startedAt: Date,
): Promise<void> {
  await session.run("delete from meta.model_builds where run_id = $1 and model = $2", [
    runId,
    outcome.model,
  ]);
  await session.run(
    "insert into meta.model_builds values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    [
      runId,
      outcome.model,
      outcome.relation,
      outcome.version,
      inputFingerprint,
      JSON.stringify(inputs),
      outcome.status,
      outcome.reason ?? null,
      outcome.rows ?? null,
      startedAt,
      new Date(),
      outcome.seconds,
      outcome.error?.message ?? null,
    ],
  );
}
