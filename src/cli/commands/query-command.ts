import type { Command } from "commander";
import { analystDatabasePath } from "../../serve/analyst-database.ts";
import { queryCommand } from "../../serve/query-command.ts";
import { commandContext } from "../cli-context.ts";

/** `duckmart query "SQL" [--format table|csv|json]`: read-only SQL on the analyst database. */
export function registerQueryCommand(program: Command): void {
  program
    .command("query <sql>")
    .description("read-only SQL on the analyst database (the last completed run)")
    .option("--format <format>", "table, csv or json", "table")
    .action(async (sql: string, options: { format: string }, command: Command) => {
      const { settings } = commandContext(command);
      process.stdout.write(await queryCommand(sql, options.format, analystDatabasePath(settings)));
    });
}
