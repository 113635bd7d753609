import { existsSync } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Settings } from "../config/settings.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { formatLocalTimestamp } from "../publish/manifest.ts";
import { listMartTables } from "../publish/mart-tables.ts";
import { DuckmartError, toError } from "../util/errors.ts";
import {
  quoteIdentifier,
  quoteLiteral,
  type SqlSession,
  type Warehouse,
} from "../warehouse/warehouse.ts";

/** Name of the analyst database file, next to the warehouse. */
export const analystDatabaseFileName = "analyst.duckdb";

/**
 * Where the analyst database lives: `analyst.duckdb` in the warehouse's
 * folder (`.duckmart/analyst.duckdb` with the default settings).
 */
export function analystDatabasePath(settings: Pick<Settings, "warehouse">): string {
  return join(dirname(resolve(settings.warehouse)), analystDatabaseFileName);
}

/** What a refresh copied. */
export interface AnalystRefreshResult {
  readonly path: string;
  /** Qualified names copied, e.g. `main.mart_rfm`, `meta.runs`. */
  readonly tables: readonly string[];
  readonly bytes: number;
  readonly seconds: number;
}

/** Context recorded in the analyst database's `meta.snapshot` row. */
export interface AnalystRefreshOptions {
  readonly runId?: string;
  readonly dataAsOf?: Date | string | null;
  readonly logger?: Logger;
}

/** Alias under which the working copy is attached to the warehouse connection. */
const buildAlias = "duckmart_analyst_build";

/**
 * Rebuilds the analyst database from the warehouse and swaps it in
 * atomically. DuckDB lets one process hold a database file for writing and
 * then no other process may open it, not even read-only (checked on DuckDB
 * 1.5: "Could not set lock on file … Conflicting lock is held"). So analysts
 * never open the warehouse: they open this copy, which no process ever
 * writes in place. The copy is built in a working file attached to the
 * warehouse connection (every `main.mart_*`, the staged `staging.stg_*`
 * tables and their quarantines, and every `meta` table, read in
 * one transaction, so from one snapshot), checkpointed, detached, fsynced and
 * then `rename()`d over the published path. A reader that has the old file
 * open keeps reading the old inode; the next open sees the new one; a crash
 * before the rename leaves the previous copy in place.
 *
 * @example
 * await refreshAnalystDatabase(warehouse, analystDatabasePath(settings), { runId });
 */
export async function refreshAnalystDatabase(
  warehouse: Warehouse,
  analystPath: string,
  options: AnalystRefreshOptions = {},
): Promise<AnalystRefreshResult> {
  const log = options.logger ?? silentLogger();
  const target = resolve(analystPath);
  if (warehouse.path !== ":memory:" && resolve(warehouse.path) === target) {
    throw new DuckmartError(`the analyst database ${target} cannot be the warehouse itself`);
  }
  const started = performance.now();
  const folder = dirname(target);
  await mkdir(folder, { recursive: true });
  await removeAbandonedWorkingFiles(folder, basename(target), log);
  const working = `${target}.${process.pid}.building`;
  await removeDatabaseFiles(working);

  const tables: string[] = [];
  try {
    await warehouse.run(`detach database if exists ${buildAlias}`);
    await warehouse.run(`attach ${quoteLiteral(working)} as ${buildAlias}`);
    try {
      await warehouse.transaction(async (session) => {
        for (const mart of await listMartTables(session)) {
          await copyTable(session, "main", mart.name);
          tables.push(`main.${mart.name}`);
        }
        // SPEC §4: the staged tables too, so order- and session-level questions
        // need no warehouse access. `_classified` holds every raw row: it stays behind.
        await session.run(`create schema ${buildAlias}.staging`);
        for (const name of await listSchemaRelations(session, "staging")) {
          if (!name.startsWith("stg_") || name.endsWith("_classified")) continue;
          await copyTable(session, "staging", name);
          tables.push(`staging.${name}`);
        }
        await session.run(`create schema ${buildAlias}.meta`);
        for (const name of await listSchemaRelations(session, "meta")) {
          await copyTable(session, "meta", name);
          tables.push(`meta.${name}`);
        }
        // One row telling analysts what they are looking at; refreshed_at is UTC.
        await session.run(
          `create table ${buildAlias}.meta.snapshot as select
             ${options.runId === undefined ? "null" : quoteLiteral(options.runId)}::varchar as run_id,
             ${sqlTimestamp(formatLocalTimestamp(options.dataAsOf ?? null))} as data_as_of,
             ${sqlTimestamp(new Date().toISOString().replace(/Z$/, ""))} as refreshed_at`,
        );
        tables.push("meta.snapshot");
      });
      await warehouse.run(`checkpoint ${buildAlias}`);
    } finally {
      await warehouse.run(`detach database if exists ${buildAlias}`);
    }
    if (existsSync(`${working}.wal`) && (await stat(`${working}.wal`)).size > 0) {
      throw new DuckmartError(`${working}.wal was not checkpointed into ${working}`);
    }
    await fsyncPath(working);
    // A read-only file never has a WAL; a stray one would be replayed against the new file.
    await rm(`${target}.wal`, { force: true });
    await rename(working, target);
    await fsyncPath(folder);
  } catch (error) {
    await removeDatabaseFiles(working);
    throw new DuckmartError(
      `refreshing the analyst database ${target} failed; the previous copy stays in place: ${toError(error).message}`,
      { cause: error },
    );
  }
  const bytes = (await stat(target)).size;
  const seconds = (performance.now() - started) / 1000;
  log.info(
    { path: target, tables: tables.length, bytes, ms: Math.round(seconds * 1000) },
    "refreshed analyst database",
  );
  return { path: target, tables, bytes, seconds };
}

async function copyTable(session: SqlSession, schema: string, name: string): Promise<void> {
  const quoted = `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
  await session.run(`create table ${buildAlias}.${quoted} as select * from ${quoted}`);
}

/** Tables and views of a schema in the warehouse itself (views are copied as tables). */
async function listSchemaRelations(session: SqlSession, schema: string): Promise<string[]> {
  const rows = await session.all<{ name: string }>(
    `select table_name as name from duckdb_tables()
      where database_name = current_database() and schema_name = $1 and not temporary
     union
     select view_name from duckdb_views()
      where database_name = current_database() and schema_name = $1 and not temporary and not internal
     order by name`,
    [schema],
  );
  return rows.map((row) => row.name);
}

function sqlTimestamp(value: string | null): string {
  return value === null ? "null::timestamp" : `${quoteLiteral(value)}::timestamp`;
}

/** Working files of refreshes whose process is gone (killed mid-build). */
async function removeAbandonedWorkingFiles(
  folder: string,
  name: string,
  log: Logger,
): Promise<void> {
  const pattern = new RegExp(
    `^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.building(\\.wal)?$`,
  );
  for (const entry of await readdir(folder)) {
    const pid = Number(pattern.exec(entry)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    log.info({ file: entry, pid }, "removing an abandoned analyst database working file");
    await rm(join(folder, entry), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function removeDatabaseFiles(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.wal`, { force: true });
}

/** Flushes a file or folder to disk, so the rename cannot outlive the data it points to. */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
