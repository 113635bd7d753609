import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";
import type { Model, SqlModel } from "./model.ts";
import { partitionParents } from "./project.ts";
import { commonTableExpressionNames, replaceTableReferences, tokenizeSql } from "./sql-tokens.ts";

/** What an incremental merge changed. */
export interface IncrementalMerge {
  /** Objects (key and load) in the raw table that the model had not seen (by key only). */
  readonly objectsAdded?: number;
  /** Objects the model had rows of that are no longer in the raw table (by key only). */
  readonly objectsRemoved?: number;
  /** Keys or partitions whose rows were recomputed. */
  readonly keys: number;
  /** Input rows the query ran over. */
  readonly rowsRecomputed: number;
}

const q = quoteIdentifier;

/**
 * The temporary table where a build leaves the rows it changed, for the
 * children that merge them: every row it removed and every row it added
 * (an updated row is both), so a child finds each partition that changed.
 * It lives on the warehouse's connection until the transform drops it.
 */
export function changesTable(model: string): string {
  return `temp.${q(`changes_${model}`)}`;
}

/** `left.c is not distinct from right.c and …` over `columns`. */
function sameValues(columns: readonly string[], left: string, right: string): string {
  return columns
    .map((column) => `${left}.${q(column)} is not distinct from ${right}.${q(column)}`)
    .join(" and ");
}

/**
 * Runs `change`, which rewrites the rows of `target` that `scope` (a
 * condition on alias `t`) selects, and records the rows it removed and
 * added in the model's changes table. Rows rewritten unchanged cancel out,
 * so a re-export of the same rows changes nothing downstream.
 */
async function recordingChanges(
  session: SqlSession,
  model: string,
  target: string,
  scope: string,
  change: () => Promise<void>,
): Promise<void> {
  await session.run(
    `create or replace temp table previous_rows as select * from ${target} t where ${scope}`,
  );
  await change();
  const current = `select * from ${target} t where ${scope}`;
  await session.run(`create or replace temp table ${q(`changes_${model}`)} as
    (select * from temp.previous_rows except all ${current})
    union all
    (${current} except all select * from temp.previous_rows)`);
  await session.run("drop table temp.previous_rows");
}

/**
 * Rebuilds a model with `build` (its `create or replace`) and, when
 * `capture` is set, records the rows the rebuild changed against the
 * previous table (same version, so the same columns).
 */
export async function rebuild(
  session: SqlSession,
  model: Model,
  capture: boolean,
  build: () => Promise<void>,
): Promise<void> {
  if (!capture) return build();
  await recordingChanges(session, model.name, `${q(model.schema)}.${q(model.name)}`, "true", build);
}

/**
 * Brings an `incremental_by_key` model up to date with its raw source
 * without rebuilding it, inside the caller's transaction:
 *
 * 1. the objects (`_file_key`, `_run_id`, rows) in the raw table and not in
 *    the model are added, those in the model and no longer raw are removed
 *    (a re-exported object is both: its old load goes, its new one comes);
 * 2. every key with a row in an added or removed object is touched;
 * 3. the model's rows of the touched keys (those of removed objects among
 *    them) are deleted, and the model's own query, run over the raw rows of
 *    the touched keys only, inserts them again.
 *
 * Because the kind's contract is that a row depends only on the raw rows
 * of its key (and on parents that did not change, which the planner
 * checks), the result equals a full rebuild: a late row for an old day or
 * a re-export re-ranks its key, and a winner that becomes quarantined
 * takes its key's staged row with it.
 */
export async function mergeByKey(
  session: SqlSession,
  model: SqlModel,
  capture: boolean,
): Promise<IncrementalMerge> {
  const target = `${q(model.schema)}.${q(model.name)}`;
  const source = `raw.${q(model.sources[0] as string)}`;
  const key = model.metadata.key ?? [];
  const sameObject = (left: string, right: string) =>
    `${left}._file_key = ${right}._file_key and ${left}._run_id is not distinct from ${right}._run_id`;
  const keyList = key.map(q).join(", ");

  // An object is its key, its load and its row count: rows written into an
  // object without a new load (tests, manual repairs) still count as a change.
  const objects = (table: string) =>
    `select _file_key, _run_id, count(*) as object_rows from ${table} group by _file_key, _run_id`;
  await session.run(`create or replace temp table incremental_objects as
    select _file_key, _run_id, 'added' as change from (
        ${objects(source)}
        except
        ${objects(target)}
    )
    union all
    select _file_key, _run_id, 'removed' as change from (
        ${objects(target)}
        except
        ${objects(source)}
    )`);
  await session.run(`create or replace temp table incremental_keys as
    select distinct ${keyList} from ${source} r
    where exists (select 1 from incremental_objects o where o.change = 'added' and ${sameObject("r", "o")})
    union
    select distinct ${keyList} from ${target} t
    where exists (select 1 from incremental_objects o where o.change = 'removed' and ${sameObject("t", "o")})`);
  await session.run(`create or replace temp table incremental_rows as
    select * from ${source} r
    where exists (select 1 from incremental_keys k where ${sameValues(key, "r", "k")})`);
  const touched = `exists (select 1 from temp.incremental_keys k where ${sameValues(key, "t", "k")})`;
  const query = replaceTableReferences(
    model.sql,
    ["raw", model.sources[0] as string],
    "temp.incremental_rows",
  );
  const replaceTouched = async () => {
    await session.run(`delete from ${target} t where ${touched}`);
    await session.run(`insert into ${target} by name select * from (\n${query}\n)`);
  };
  if (capture) await recordingChanges(session, model.name, target, touched, replaceTouched);
  else await replaceTouched();
  const [counts] = await session.all<{
    added: number;
    removed: number;
    keys: number;
    rows: number;
  }>(`select
        (select count(*) from incremental_objects where change = 'added') as added,
        (select count(*) from incremental_objects where change = 'removed') as removed,
        (select count(*) from incremental_keys) as keys,
        (select count(*) from incremental_rows) as rows`);
  for (const table of ["incremental_objects", "incremental_keys", "incremental_rows"])
    await session.run(`drop table temp.${table}`);
  return {
    objectsAdded: counts?.added ?? 0,
    objectsRemoved: counts?.removed ?? 0,
    keys: counts?.keys ?? 0,
    rowsRecomputed: counts?.rows ?? 0,
  };
}

/**
 * Brings an `incremental_by_partition` model up to date with its changed
 * parents without rebuilding it, inside the caller's transaction:
 *
 * 1. the partitions touched are those of every row the changed parents
 *    removed or added (their changes tables, see {@link changesTable});
 * 2. the model's rows of those partitions are deleted;
 * 3. its own query runs with every parent split by partition narrowed to
 *    the touched partitions (a temporary table of the parent's name, so
 *    qualified column references still bind), and inserts them again.
 *
 * The kind's contract (a partition's rows depend only on the parents' rows
 * of that partition, and on the other parents only while they are
 * unchanged, which the planner checks) makes this equal a full rebuild.
 * `changedParents` are the parents whose changes this run recorded.
 */
export async function mergeByPartition(
  session: SqlSession,
  model: SqlModel,
  models: ReadonlyMap<string, Model>,
  changedParents: readonly string[],
  capture: boolean,
): Promise<IncrementalMerge> {
  const target = `${q(model.schema)}.${q(model.name)}`;
  const columns = model.metadata.partitionedBy ?? [];
  const columnList = columns.map(q).join(", ");
  // The planner merges only when at least one parent changed, and every changed one records.
  await session.run(
    `create or replace temp table touched_partitions as ${changedParents
      .map((parent) => `select distinct ${columnList} from ${changesTable(parent)}`)
      .join("\nunion\n")}`,
  );
  const inPartition = (alias: string) =>
    `exists (select 1 from temp.touched_partitions k where ${sameValues(columns, alias, "k")})`;
  const ctes = commonTableExpressionNames(tokenizeSql(model.sql));
  let query = model.sql;
  const narrowed = partitionParents(model, models);
  for (const name of narrowed) {
    const parent = models.get(name) as Model;
    await session.run(
      `create or replace temp table ${q(name)} as select * from ${q(parent.schema)}.${q(name)} p where ${inPartition("p")}`,
    );
    query = replaceTableReferences(query, [parent.schema, name], `temp.${q(name)}`);
    // An unqualified name resolves in `main` only (and not when a CTE shadows it).
    if (parent.schema === "main" && !ctes.has(name))
      query = replaceTableReferences(query, [name], `temp.${q(name)}`);
  }
  const replaceTouched = async () => {
    await session.run(`delete from ${target} t where ${inPartition("t")}`);
    await session.run(`insert into ${target} by name select * from (\n${query}\n)`);
  };
  if (capture)
    await recordingChanges(session, model.name, target, inPartition("t"), replaceTouched);
  else await replaceTouched();
  const [counts] = await session.all<{ partitions: number; rows: number }>(
    `select (select count(*) from temp.touched_partitions) as partitions, ${
      narrowed.length > 0
        ? narrowed.map((name) => `(select count(*) from temp.${q(name)})`).join(" + ")
        : "0"
    } as rows`,
  );
  for (const table of ["touched_partitions", ...narrowed])
    await session.run(`drop table temp.${q(table)}`);
  return { keys: counts?.partitions ?? 0, rowsRecomputed: counts?.rows ?? 0 };
}
