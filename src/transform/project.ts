import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { SettingName } from "../config/settings.ts";
import { builtInSources } from "../sources/built-in-sources.ts";
import type { SourceDeclaration } from "../sources/source-declaration.ts";
import { ModelError, toError } from "../util/errors.ts";
import { sqlRoot } from "../warehouse/sql-root.ts";
import { codeModels as projectCodeModels } from "./code-models/index.ts";
import type { CodeModel, CodeModelDefinition, Model, ModelMetadata, SqlModel } from "./model.ts";
import { ModelGraph } from "./model-graph.ts";
import { parseModelHeader } from "./model-header.ts";
import { settingForVariable } from "./settings-variables.ts";
import {
  commonTableExpressionNames,
  normaliseSql,
  tableReferences,
  tokenizeSql,
  variableReferences,
} from "./sql-tokens.ts";
import { stagingModels } from "./staging-models.ts";

/** Folders of a SQL project and the schema their models are built in. */
export const layerSchemas: Readonly<Record<string, string>> = {
  staging: "staging",
  intermediate: "intermediate",
  marts: "main",
};

/** The schema holding raw sources: `raw.<source>` is a source, not a model. */
export const sourceSchema = "raw";

/** Every model of a project and the DAG between them. */
export interface Project {
  readonly sqlDir: string;
  /** Declared sources: their raw tables are read, their staging models generated. */
  readonly sources: readonly SourceDeclaration[];
  readonly models: ReadonlyMap<string, Model>;
  readonly graph: ModelGraph;
}

/** Where to load models from. */
export interface LoadProjectOptions {
  /** Root holding `staging/`, `intermediate/` and `marts/`; defaults to the repository's `sql/`. */
  readonly sqlDir?: string;
  /**
   * Models computed in TypeScript, added to the DAG. Defaults to the
   * repository's own (CLV, k-means) when `sqlDir` is the repository's
   * `sql/`, whose marts read them; another folder gets none unless given.
   */
  readonly codeModels?: readonly CodeModelDefinition[];
  /** Declared sources whose staging models are generated; defaults to the built-in ones. */
  readonly sources?: readonly SourceDeclaration[];
  /** The user's own models, laid out like `sql/` (setting `modelsDir`); none when empty. */
  readonly userSqlDir?: string;
}

interface ModelFile {
  /** The .sql file; for a staging model generated from a declaration, where it would be. */
  readonly path: string;
  /** How errors name the model's origin, e.g. `marts/mart_ltv.sql`. */
  readonly where: string;
  readonly layer: string;
  readonly sql: string;
}

/**
 * Loads every `*.sql` model below the layer folders, parses its header and
 * the tables and settings it reads, and builds the DAG. Throws a ModelError
 * naming the file for a bad header, an unknown table, an unknown setting, a
 * duplicate name, or a cycle.
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<Project> {
  const sqlDir = options.sqlDir ?? sqlRoot;
  const files: ModelFile[] = [];
  const sources = options.sources ?? builtInSources;
  for (const source of sources) {
    for (const model of stagingModels(source)) {
      files.push({
        path: join(sqlDir, "staging", `${model.name}.sql`),
        where: `generated from the declaration of source ${source.name}`,
        layer: "staging",
        sql: model.sql,
      });
    }
  }
  for (const root of [sqlDir, ...(options.userSqlDir ? [options.userSqlDir] : [])]) {
    for (const layer of Object.keys(layerSchemas)) {
      for (const path of await sqlFilesBelow(join(root, layer))) {
        const where = root === sqlDir ? relative(root, path) : path;
        files.push({ path, where, layer, sql: await readFile(path, "utf8") });
      }
    }
  }

  const drafts = new Map<
    string,
    { file?: ModelFile; code?: CodeModelDefinition; schema: string }
  >();
  const relations = new Map<string, string>();
  const register = (name: string, schema: string, where: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
      throw new ModelError(`model name ${name} (${where}) must be lowercase letters, digits and _`);
    }
    if (drafts.has(name)) throw new ModelError(`two models are named ${name} (${where})`);
    relations.set(`${schema}.${name}`, name);
  };
  for (const file of files) {
    const name = basename(file.path, ".sql");
    const schema = layerSchemas[file.layer] as string;
    register(name, schema, file.where);
    drafts.set(name, { file, schema });
  }
  const codeModels = options.codeModels ?? (options.sqlDir === undefined ? projectCodeModels : []);
  for (const code of codeModels) {
    const schema = code.schema ?? "main";
    register(code.name, schema, "code model");
    drafts.set(code.name, { code, schema });
  }

  const models = new Map<string, Model>();
  for (const [name, draft] of drafts) {
    models.set(
      name,
      draft.file
        ? sqlModel(name, draft.schema, draft.file, relations)
        : codeModel(name, draft.schema, draft.code as CodeModelDefinition, drafts),
    );
  }
  for (const model of models.values()) checkPartitionedModel(model, models);
  const graph = new ModelGraph(new Map([...models].map(([name, model]) => [name, model.parents])));
  return { sqlDir, sources, models, graph };
}

/**
 * The parents of an `incremental_by_partition` model that declare all of its
 * `partitioned_by` columns, or whose partitions it names (`partition_of`):
 * their rows are split by partition. The other parents are lookups (an
 * event's region), read whole.
 */
export function partitionParents(
  model: Model,
  models: ReadonlyMap<string, Model>,
): readonly string[] {
  const columns = model.metadata.partitionedBy ?? [];
  return model.parents.filter((parent) => {
    if (model.metadata.partitionOf?.[parent] !== undefined) return true;
    const declared = new Set(models.get(parent)?.metadata.columns.map((column) => column.name));
    return columns.length > 0 && columns.every((column) => declared.has(column));
  });
}

/** An `incremental_by_partition` model must be able to find its partitions in what it reads. */
function checkPartitionedModel(model: Model, models: ReadonlyMap<string, Model>): void {
  if (model.metadata.kind !== "incremental_by_partition") return;
  const columns = model.metadata.partitionedBy ?? [];
  const where = `model ${model.name} is incremental_by_partition (partitioned_by ${columns.join(", ")})`;
  if (model.sources.length > 0)
    throw new ModelError(
      `${where}: it reads raw ${model.sources.join(", ")}; only incremental_by_key models read raw rows`,
    );
  const declared = new Set(model.metadata.columns.map((column) => column.name));
  const undeclared = columns.filter((column) => !declared.has(column));
  if (undeclared.length > 0)
    throw new ModelError(`${where}: it does not declare the column(s) ${undeclared.join(", ")}`);
  const strangers = Object.keys(model.metadata.partitionOf ?? {}).filter(
    (parent) => !model.parents.includes(parent),
  );
  if (strangers.length > 0)
    throw new ModelError(
      `${where}: partition_of names ${strangers.join(", ")}, which it does not read; it names model parents`,
    );
  const split = partitionParents(model, models);
  const splitLookups = Object.keys(model.metadata.lookups ?? {}).filter((lookup) =>
    split.includes(lookup),
  );
  if (splitLookups.length > 0)
    throw new ModelError(
      `${where}: it declares lookups ${splitLookups.join(", ")}, which it splits by partition; a lookup names a parent read whole`,
    );
  if (split.length === 0)
    throw new ModelError(
      `${where}: none of its parents (${model.parents.join(", ") || "none"}) declares those columns or is named under partition_of`,
    );
}

async function sqlFilesBelow(folder: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await sqlFilesBelow(path)));
    else if (entry.isFile() && entry.name.endsWith(".sql")) found.push(path);
  }
  return found;
}

function sqlModel(
  name: string,
  schema: string,
  file: ModelFile,
  relations: ReadonlyMap<string, string>,
): SqlModel {
  const { where } = file;
  let metadata: ModelMetadata;
  try {
    metadata = parseModelHeader(file.sql);
  } catch (error) {
    throw new ModelError(`model ${name} (${where}): ${toError(error).message}`, { cause: error });
  }
  const tokens = tokenizeSql(file.sql);
  if (tokens.some((token) => token.type === "symbol" && token.text === ";")) {
    throw new ModelError(`model ${name} (${where}) must be one SELECT without ";"`);
  }
  const ctes = commonTableExpressionNames(tokens);
  const parents = new Set<string>();
  const sources = new Set<string>();
  for (const reference of tableReferences(tokens)) {
    const parts = reference.parts;
    if (parts.length === 1) {
      const [table] = parts as [string];
      if (ctes.has(table)) continue;
      // An unqualified name resolves in DuckDB's default schema only.
      const model = relations.get(`main.${table}`);
      if (model === undefined) {
        const elsewhere = [...relations.entries()].find(([, n]) => n === table)?.[0];
        const hint = elsewhere ? `; write ${elsewhere}` : "";
        throw new ModelError(`model ${name} (${where}) reads unknown table ${table}${hint}`);
      }
      parents.add(model);
      continue;
    }
    const [schemaName, table] = parts.slice(-2) as [string, string];
    // A merge narrows `schema.table` references to the touched partitions; a
    // database-qualified one would read the whole parent and double rows.
    if (parts.length > 2 && metadata.kind === "incremental_by_partition")
      throw new ModelError(
        `model ${name} (${where}) is incremental_by_partition: write ${schemaName}.${table} without the database name ${parts.slice(0, -2).join(".")}`,
      );
    if (schemaName === sourceSchema) {
      sources.add(table);
      continue;
    }
    const model = relations.get(`${schemaName}.${table}`);
    if (model === undefined) {
      throw new ModelError(`model ${name} (${where}) reads unknown table ${schemaName}.${table}`);
    }
    parents.add(model);
  }
  if (parents.has(name)) throw new ModelError(`models form a cycle: ${name} → ${name}`);
  if (metadata.kind === "incremental_by_key") {
    const declared = new Set(metadata.columns.map((column) => column.name));
    const missing = [...(metadata.key ?? []), ...incrementalLineage].filter(
      (column) => !declared.has(column),
    );
    if (sources.size !== 1 || missing.length > 0)
      throw new ModelError(
        `model ${name} (${where}) is incremental_by_key: it must read exactly one raw source (it reads ${sources.size}) and declare the key and lineage columns ${[...(metadata.key ?? []), ...incrementalLineage].join(", ")}${missing.length ? ` (missing ${missing.join(", ")})` : ""}`,
      );
  }
  const strangers = Object.keys(metadata.lookups ?? {}).filter((lookup) => !parents.has(lookup));
  if (strangers.length > 0)
    throw new ModelError(
      `model ${name} (${where}) declares lookups ${strangers.join(", ")}, which it does not read; a lookup names a model parent`,
    );
  const settings = variableReferences(tokens).map((variable) => {
    const setting = settingForVariable(variable);
    if (setting === undefined) {
      throw new ModelError(
        `model ${name} (${where}) reads getvariable('${variable}'), which is no setting`,
      );
    }
    return setting;
  });
  return {
    type: "sql",
    name,
    schema,
    relation: `${schema}.${name}`,
    layer: file.layer,
    metadata,
    parents: [...parents].sort(),
    sources: [...sources].sort(),
    settings,
    path: file.path,
    sql: file.sql,
    normalisedSql: normaliseSql(file.sql),
  };
}

/** The lineage columns an incremental model keeps: they tell which object (and load) each row came from. */
const incrementalLineage = ["_file_key", "_run_id"];

function codeModel(
  name: string,
  schema: string,
  code: CodeModelDefinition,
  drafts: ReadonlyMap<string, unknown>,
): CodeModel {
  for (const parent of code.parents) {
    if (!drafts.has(parent))
      throw new ModelError(`code model ${name} reads unknown model ${parent}`);
  }
  return {
    type: "code",
    name,
    schema,
    relation: `${schema}.${name}`,
    layer: "code",
    metadata: {
      description: code.metadata?.description ?? name,
      grain: code.metadata?.grain ?? "",
      kind: "table",
      columns: code.metadata?.columns ?? [],
      tests: code.metadata?.tests ?? [],
    },
    parents: [...new Set(code.parents)].sort(),
    sources: [...new Set(code.sources ?? [])].sort(),
    settings: [...new Set<SettingName>(code.settings ?? [])].sort(),
    codeVersion: code.codeVersion,
    build: (context) => code.build(context),
  };
}
