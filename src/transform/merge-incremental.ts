import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";
import type { SqlModel } from "./model.ts";
import { replaceTableReferences } from "./sql-tokens.ts";

/** What an incremental merge changed. */
export interface IncrementalMerge {
  /** Objects (key and load) in the raw table that the model had not seen. */
  readonly objectsAdded: number;
  /** Objects the model had rows of that are no longer in the raw table (reloaded or removed). */
  readonly objectsRemoved: number;
  /** Keys whose rows were recomputed. */
  readonly keys: number;
  /** Raw rows the query ran over. */
  readonly rowsRecomputed: number;
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
export async function mergeIncremental(
  session: SqlSession,
  model: SqlModel,
): Promise<IncrementalMerge> {
  const q = quoteIdentifier;
  const target = `${q(model.schema)}.${q(model.name)}`;
  const source = `raw.${q(model.sources[0] as string)}`;
  const key = model.metadata.key ?? [];
  const sameKey = (left: string, right: string) =>
    key
      .map((column) => `${left}.${q(column)} is not distinct from ${right}.${q(column)}`)
      .join(" and ");
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
    where exists (select 1 from incremental_keys k where ${sameKey("r", "k")})`);
  await session.run(`delete from ${target} t
    where exists (select 1 from incremental_keys k where ${sameKey("t", "k")})`);
  const query = replaceTableReferences(
    model.sql,
    ["raw", model.sources[0] as string],
    "temp.incremental_rows",
  );
  await session.run(`insert into ${target} by name select * from (\n${query}\n)`);
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
