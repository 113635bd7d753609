import type { SettingName, Settings } from "../config/settings.ts";
import type { Logger } from "../log/logger.ts";
import type { ColumnSqlType } from "../warehouse/kysely/warehouse-columns.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";
import type { DataTestDeclaration } from "./test-declarations.ts";

/**
 * How a model is materialised and kept current (closed set, as in SQLMesh):
 * - `table` (full): rebuilt from its query whenever its version or inputs change;
 * - `view`: a view, replaced when its version changes;
 * - `incremental_by_key`: a table over one raw source whose rows depend
 *   only on the raw rows of their own `key`; when only the source changed,
 *   the rows of every key the new or removed objects touch are recomputed
 *   from the raw rows of those keys and merged in (see `merge-incremental.ts`);
 * - `incremental_by_partition`: a table over other models whose rows of a
 *   partition (the values of its `partitioned_by` columns, e.g. one user)
 *   depend only on its parents' rows of the same partition, and on parents
 *   without those columns only while they are unchanged; when only parents
 *   changed, the partitions their changed rows fall in are recomputed from
 *   the parents' rows of those partitions and merged in.
 */
export type ModelKind = "table" | "view" | "incremental_by_key" | "incremental_by_partition";

/** The kinds, for the header's schema. */
export const modelKinds = [
  "table",
  "view",
  "incremental_by_key",
  "incremental_by_partition",
] as const satisfies readonly ModelKind[];

/** A documented column of a model: its contract, declared once in the model's header. */
export interface ColumnMetadata {
  readonly name: string;
  readonly description: string;
  /** DuckDB type of the column as built; every model declares it (tests/sql/model-files.test.ts). */
  readonly type?: ColumnSqlType;
}

/** What a model's header says about it; none of it affects the version. */
export interface ModelMetadata {
  readonly description: string;
  /** What one row is, e.g. "one row per buyer". */
  readonly grain: string;
  readonly kind: ModelKind;
  /** The columns whose raw rows decide a row of an `incremental_by_key` model. */
  readonly key?: readonly string[];
  /** The columns that name a partition of an `incremental_by_partition` model. */
  readonly partitionedBy?: readonly string[];
  /**
   * `incremental_by_partition` only: for a parent that lacks the partition
   * columns, the partitions one of its rows falls in, each as expressions on
   * the row, one per `partitionedBy` column (a session falls in the
   * partitions of its day, its week and its month). Such a parent is split
   * by partition like one that has the columns.
   */
  readonly partitionOf?: Readonly<Record<string, readonly (readonly string[])[]>>;
  /**
   * For a model parent read as a lookup, the condition under which a
   * changed row `changed` of it may change a row: for `incremental_by_key`,
   * a raw row `r` (the keys of the raw rows it names are merged); for
   * `incremental_by_partition`, a row `t` of the model's table as it stands
   * (the partitions of the rows it names are recomputed; a partition without
   * a row yet can only appear through a split parent). When only such
   * parents (and the raw source, or the split parents) changed, the model is
   * merged instead of rebuilt.
   */
  readonly lookups?: Readonly<Record<string, string>>;
  readonly columns: readonly ColumnMetadata[];
  /** Column-level and model-level tests, normalised. */
  readonly tests: readonly DataTestDeclaration[];
}

interface ModelBase {
  /** Unique across the project, e.g. `stg_orders`. */
  readonly name: string;
  /** `staging`, `intermediate` or `main`. */
  readonly schema: string;
  /** `schema.name`, as SQL refers to it. */
  readonly relation: string;
  /** Top folder under sql/ (`staging`, `intermediate`, `marts`), or `code`. */
  readonly layer: string;
  readonly metadata: ModelMetadata;
  /** Models this one reads. */
  readonly parents: readonly string[];
  /** Raw sources (`raw.<source>`) this one reads. */
  readonly sources: readonly string[];
  /** Settings this one reads; they feed its version. */
  readonly settings: readonly SettingName[];
}

/** A model defined by one SELECT in a .sql file. */
export interface SqlModel extends ModelBase {
  readonly type: "sql";
  readonly path: string;
  /** The file's text, header included. */
  readonly sql: string;
  /** Comments and whitespace removed: what the version hashes. */
  readonly normalisedSql: string;
}

/** What a code model's build receives. */
export interface CodeModelContext {
  /** The open transaction: the build must `create or replace` `relation` through it. */
  readonly session: SqlSession;
  readonly relation: string;
  readonly settings: Settings;
  readonly runId: string;
  readonly logger: Logger;
}

/**
 * A model computed in TypeScript (e.g. a fitted CLV model), plugged into
 * the DAG beside the SQL models. Its version hashes `codeVersion`, the
 * settings it reads and its parents' versions, so bump `codeVersion` when
 * the computation changes.
 *
 * @example
 * const clv: CodeModelDefinition = {
 *   name: "mart_clv", parents: ["mart_user_profile"], settings: ["clvHorizonDays"],
 *   codeVersion: "bgnbd-1", build: async ({ session, relation }) => { … },
 * };
 */
export interface CodeModelDefinition {
  readonly name: string;
  /** Defaults to `main`. */
  readonly schema?: string;
  readonly parents: readonly string[];
  readonly sources?: readonly string[];
  readonly settings?: readonly SettingName[];
  readonly codeVersion: string;
  readonly metadata?: Partial<ModelMetadata>;
  build(context: CodeModelContext): Promise<void>;
}

/** A code model once registered in a project. */
export interface CodeModel extends ModelBase {
  readonly type: "code";
  readonly codeVersion: string;
  build(context: CodeModelContext): Promise<void>;
}

/** Any node of the DAG. */
export type Model = SqlModel | CodeModel;
