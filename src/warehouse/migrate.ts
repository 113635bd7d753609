import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { sqlRoot } from "./sql-root.ts";
import { databaseNow, insertMeta } from "./state-store.ts";
import type { Warehouse } from "./warehouse.ts";

/** A numbered schema change of the metadata tables. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Reads `sql/migrations/NNNN_name.sql` in version order. */
export async function readMigrations(folder = join(sqlRoot, "migrations")): Promise<Migration[]> {
  const files = (await readdir(folder))
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: await readFile(join(folder, file), "utf8"),
    })),
  );
}

/**
 * Applies the migrations not yet recorded in `meta.migrations`, each in its
 * own transaction, and returns the versions it applied.
 */
export async function migrate(
  warehouse: Warehouse,
  migrations?: readonly Migration[],
): Promise<number[]> {
  const all = migrations ?? (await readMigrations());
  await warehouse.run("create schema if not exists meta");
  await warehouse.run(
    "create table if not exists meta.migrations (version integer primary key, name varchar not null, applied_at timestamp not null)",
  );
  const applied = new Set(
    (await warehouse.all<{ version: number }>("select version from meta.migrations")).map(
      (row) => row.version,
    ),
  );
  const done: number[] = [];
  for (const migration of all) {
    if (applied.has(migration.version)) continue;
    await warehouse.transaction(async (session) => {
      await session.run(migration.sql);
      await insertMeta(session, "meta.migrations", [
        { version: migration.version, name: migration.name, applied_at: databaseNow },
      ]);
    });
    done.push(migration.version);
  }
  return done;
}
