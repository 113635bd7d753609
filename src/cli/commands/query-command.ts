import type { Command } from "commander";
import { analystDatabasePath } from "../../serve/analyst-database.ts";
import { queryCommand as runQuery } from "../../serve/query-command.ts";
import { commandContext } from "../cli-context.ts";

/** `duckmart query "SQL" [--format table|csv|json]`: read-only SQL on the analyst database. */
export async function queryCommand(
  sql: string,
  options: { format: string },
  command: Command,
): Promise<void> {
  const { settings } = commandContext(command);
  process.stdout.write(await runQuery(sql, options.format, analystDatabasePath(settings)));
}
