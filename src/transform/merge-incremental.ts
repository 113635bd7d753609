import { inRowsOf, type RowMatch, rowMatch } from "../warehouse/row-membership.ts";
import { quoteIdentifier, quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";
import type { Model, SqlModel } from "./model.ts";
import { touchedPeriodRange } from "./period-range.ts";
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
  /**
   * Raw rows the query ran over (by key only: a partition merge reads its
   * parents through views, and counting their rows would read them again).
   */
  readonly rowsRecomputed?: number;
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

/**
 * Records in the model's changes table the rows that differ between
 * `previous` and `current` (two queries over the same columns): each
 * distinct row with its count, so a row whose copies grew or shrank counts
 * too, and a row rewritten unchanged cancels out (a re-export of the same
 * rows changes nothing downstream). Counting first lets the comparison use
 * set `except`, several times faster than `except all`.
 */
async function recordChanges(
  session: SqlSession,
  model: string,
  previous: string,
  current: string,
): Promise<void> {
  const counted = (query: string) =>
    `select *, count(*) as "__duckmart_copies" from (${query}) group by all`;
  await session.run(`create or replace temp table ${q(`changes_${model}`)} as
    with before as (${counted(previous)}), after as (${counted(current)})
    (select * from before except select * from after)
    union all
    (select * from after except select * from before)`);
}

/**
 * Runs `change`, which rewrites the rows of `target` that `scope` matches,
 * and records the rows it changed.
 */
async function recordingChanges(
  session: SqlSession,
  model: string,
  target: string,
  scope: RowMatch,
  change: () => Promise<void>,
): Promise<void> {
  await session.run(
    `create or replace temp table previous_rows as select t.* from ${target} t ${scope.semiJoin("t")}`,
  );
  await change();
  await recordChanges(
    session,
    model,
    "select * from temp.previous_rows",
    `select t.* from ${target} t ${scope.semiJoin("t")}`,
  );
  await session.run("drop table temp.previous_rows");
}

/**
 * Rebuilds a model with `build` (its `create or replace`) and, when
 * `capture` is set, records the rows the rebuild changed against the
 * previous table (same version, so the same columns), which is set aside
 * by a rename rather than copied.
 */
export async function rebuild(
  session: SqlSession,
  model: Model,
  capture: boolean,
  build: () => Promise<void>,
): Promise<void> {
  if (!capture) return build();
  const previous = `${model.name}__previous`;
  const schema = q(model.schema);
  await session.run(`alter table ${schema}.${q(model.name)} rename to ${q(previous)}`);
  await build();
  await recordChanges(
    session,
    model.name,
    `select * from ${schema}.${q(previous)}`,
    `select * from ${schema}.${q(model.name)}`,
  );
  await session.run(`drop table ${schema}.${q(previous)}`);
}

/**
 * Brings an `incremental_by_key` model up to date with its raw source
 * without rebuilding it, inside the caller's transaction:
 *
 * 1. the objects (`_file_key`, `_run_id`, rows) in the raw table and not in
 *    the model are added, those in the model and no longer raw are removed
 *    (a re-exported object is both: its old load goes, its new one comes);
 * 2. every key with a row in an added or removed object is touched, and
 *    every key of a raw row that a recorded change of a declared lookup
 *    affects (its condition on `r` and `changed`, see `lookups`);
 * 3. the model's rows of the touched keys (those of removed objects among
 *    them) are deleted, and the model's own query, run over the raw rows of
 *    the touched keys only, inserts them again.
 *
 * Because the kind's contract is that a row depends only on the raw rows
 * of its key (and on parents that did not change, or lookups whose
 * changes name the keys they affect, which the planner checks), the result
 * equals a full rebuild: a late row for an old day or
 * a re-export re-ranks its key, and a winner that becomes quarantined
 * takes its key's staged row with it.
 */
export async function mergeByKey(
  session: SqlSession,
  model: SqlModel,
  changedLookups: readonly string[],
  capture: boolean,
): Promise<IncrementalMerge> {
  const target = `${q(model.schema)}.${q(model.name)}`;
  const source = `raw.${q(model.sources[0] as string)}`;
  const key = model.metadata.key ?? [];
  const object = ["_file_key", "_run_id"];
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
  const objectsOf = async (change: string) =>
    rowMatch(
      session,
      object,
      `(select * from temp.incremental_objects where change = ${quoteLiteral(change)})`,
    );
  const added = await objectsOf("added");
  const removed = await objectsOf("removed");
  await session.run(`create or replace temp table incremental_keys as
    select distinct ${keyList} from ${source} r ${added.semiJoin("r")}
    union
    select distinct ${keyList} from ${target} t ${removed.semiJoin("t")}${changedLookups
      .map(
        (lookup) => `
    union
    select distinct ${keyList} from ${source} r
    where exists (select 1 from ${changesTable(lookup)} changed where ${model.metadata.lookups?.[lookup]})`,
      )
      .join("")}`);
  const touched = await rowMatch(session, key, "temp.incremental_keys");
  await session.run(`create or replace temp table incremental_rows as
    select r.* from ${source} r ${touched.semiJoin("r")}`);
  const query = replaceTableReferences(
    model.sql,
    ["raw", model.sources[0] as string],
    "temp.incremental_rows",
  );
  const replaceTouched = async () => {
    await session.run(touched.deleteFrom(target));
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
 *    removed or added (their changes tables, see {@link changesTable}): the
 *    row's partition columns, or every partition its parent's
 *    `partition_of` expressions give it; and, for a changed lookup, those
 *    of the model's rows its condition names (`lookups`);
 * 2. the model's rows of those partitions are deleted;
 * 3. its own query runs with every parent split by partition narrowed to
 *    the touched partitions (a temporary view of the parent's name, so
 *    qualified column references still bind; a view, not a table, so that
 *    the query reads only the columns it needs: copying every column of a
 *    month of sessions cost more than the query), and inserts them again. A
 *    parent split by `partition_of` keeps each row that falls in a touched
 *    partition, and such a row may fall in untouched ones too (a session of
 *    a touched month, in its untouched day): the rows the query gives for
 *    partitions not touched are left out. Where a partition expression
 *    floors a date or timestamp column to a period, the view also keeps
 *    that column within the touched periods' range
 *    ({@link touchedPeriodRange}), so that DuckDB skips the row groups
 *    outside it.
 *
 * The kind's contract (a partition's rows depend only on the parents' rows
 * of that partition, and on the other parents only while they are
 * unchanged, which the planner checks) makes this equal a full rebuild.
 * `changedParents` are the parents (split or lookups) whose changes this run recorded.
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
  const touched = "temp.touched_partitions";
  // A parent's partitions as expressions on its row: its own columns, or those partition_of gives.
  const partitionsOf = (parent: string): readonly (readonly string[])[] =>
    model.metadata.partitionOf?.[parent] ?? [columns.map(q)];
  const lookups = model.metadata.lookups ?? {};
  // The planner merges only when at least one parent changed, and every changed one records.
  await session.run(
    `create or replace temp table touched_partitions as ${changedParents
      .flatMap((parent) =>
        lookups[parent] !== undefined
          ? [
              `select distinct ${columns.map((column) => `t.${q(column)}`).join(", ")} from ${target} t
               where exists (select 1 from ${changesTable(parent)} changed where ${lookups[parent]})`,
            ]
          : partitionsOf(parent).map(
              (values) =>
                `select distinct ${values.map((value, i) => `${value} as ${q(columns[i] as string)}`).join(", ")} from ${changesTable(parent)}`,
            ),
      )
      .join("\nunion\n")}`,
  );
  const inPartition = await rowMatch(session, columns, touched);
  const ctes = commonTableExpressionNames(tokenizeSql(model.sql));
  let query = model.sql;
  const narrowed = partitionParents(model, models);
  // A view binds its body when read: `main.x` would then find the view
  // `temp.main.x` itself, so the body names the database.
  const [{ database } = { database: "" }] = await session.all<{ database: string }>(
    "select current_database() as database",
  );
  for (const name of narrowed) {
    const parent = models.get(name) as Model;
    const lists = partitionsOf(name);
    const relation = `${q(database)}.${q(parent.schema)}.${q(name)}`;
    const range = await touchedPeriodRange(session, relation, lists, columns, touched, "t");
    // One list of partition values is a semi join; several (a row in its day, week and month) a condition.
    const inTouched =
      lists.length === 1
        ? `${inPartition.semiJoin("t", lists[0])}${range === null ? "" : ` where ${range}`}`
        : `where ${range === null ? "" : `${range} and `}(${lists.map((values) => inRowsOf(columns, values, touched)).join(" or ")})`;
    await session.run(
      `create or replace temp view ${q(name)} as select t.* from ${relation} t ${inTouched}`,
    );
    query = replaceTableReferences(query, [parent.schema, name], `temp.${q(name)}`);
    // An unqualified name resolves in `main` only (and not when a CTE shadows it).
    if (parent.schema === "main" && !ctes.has(name))
      query = replaceTableReferences(query, [name], `temp.${q(name)}`);
  }
  const spillsOver = narrowed.some((name) => model.metadata.partitionOf?.[name] !== undefined);
  const replaceTouched = async () => {
    await session.run(inPartition.deleteFrom(target));
    await session.run(
      `insert into ${target} by name select t.* from (\n${query}\n) t${spillsOver ? ` ${inPartition.semiJoin("t")}` : ""}`,
    );
  };
  if (capture) await recordingChanges(session, model.name, target, inPartition, replaceTouched);
  else await replaceTouched();
  const [counts] = await session.all<{ partitions: number }>(
    "select count(*) as partitions from temp.touched_partitions",
  );
  for (const name of narrowed) await session.run(`drop view temp.${q(name)}`);
  await session.run("drop table temp.touched_partitions");
  return { keys: counts?.partitions ?? 0 };
}
