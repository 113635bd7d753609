import type { Command } from "commander";
import { openEnvironment } from "../../run/environment.ts";
import { databaseNow, replaceMeta } from "../../warehouse/state-store.ts";
import { commandContext } from "../cli-context.ts";
import { formatTable } from "../format-table.ts";

/** `duckmart files skip KEY [--reason TEXT]`: later runs go on without this object (its current version). */
export async function skipFileCommand(
  key: string,
  options: { reason?: string },
  command: Command,
): Promise<void> {
  const { settings, logger } = commandContext(command);
  const environment = await openEnvironment(settings, logger, "files");
  try {
    const object = await environment.store.head(key);
    await environment.warehouse.transaction((session) =>
      replaceMeta(session, "meta.skipped_files", [
        {
          key,
          etag: object?.etag ?? null,
          reason: options.reason ?? null,
          skipped_at: databaseNow,
        },
      ]),
    );
    process.stdout.write(
      object
        ? `skipped ${key} (ETag ${object.etag}); a new version of it will load again\n`
        : `skipped ${key} (not in the bucket now; any version of it stays skipped)\n`,
    );
  } finally {
    environment.close();
  }
}

/** `duckmart files unskip KEY`: load this object again on the next run. */
export async function unskipFileCommand(
  key: string,
  _options: unknown,
  command: Command,
): Promise<void> {
  const { settings, logger } = commandContext(command);
  const environment = await openEnvironment(settings, logger, "files");
  try {
    const [row] = await environment.warehouse.all<{ n: number }>(
      "delete from meta.skipped_files where key = $1 returning 1 as n",
      [key],
    );
    process.stdout.write(row ? `unskipped ${key}\n` : `${key} was not skipped\n`);
  } finally {
    environment.close();
  }
}

/** `duckmart files list [--failed]`: raw files and the outcome of their last load. */
export async function listFilesCommand(
  options: { failed?: boolean },
  command: Command,
): Promise<void> {
  const { settings, logger } = commandContext(command);
  const environment = await openEnvironment(settings, logger, "files");
  try {
    const rows = await environment.warehouse.all<Record<string, unknown>>(
      `with last_attempt as (
         select * from meta.file_loads qualify row_number() over (partition by key order by loaded_at desc) = 1
       )
       select a.key, a.source, case when s.key is not null then 'skipped' else a.status end as status,
              a.rows_read, a.rows_loaded, a.rows_rejected, a.reason, a.run_id
       from last_attempt a left join meta.skipped_files s using (key)
       ${options.failed ? "where a.status = 'failed' and s.key is null" : ""}
       order by a.key`,
    );
    process.stdout.write(
      `${formatTable(
        ["key", "source", "status", "read", "loaded", "rejected", "reason", "run"],
        rows.map((r) => [
          r.key,
          r.source,
          r.status,
          r.rows_read,
          r.rows_loaded,
          r.rows_rejected,
          r.reason,
          r.run_id,
        ]),
      )}\n`,
    );
  } finally {
    environment.close();
  }
}
