import { loadSettings } from "../config/load-settings.ts";
import { analystDatabasePath } from "./analyst-database.ts";
import { formatQueryResult, type QueryFormat, queryFormats } from "./format-query-result.ts";
import { queryAnalystDatabase } from "./query-analyst-database.ts";
import { QueryError } from "./query-error.ts";

/**
 * `duckmart query "SQL" [--format table|csv|json]`: runs read-only SQL on the
 * analyst database and returns the text to print on stdout. `path` defaults
 * to the analyst database of the current settings. Throws a QueryError with
 * `refused` set when the statement tries to write or reach outside.
 *
 * @example
 * process.stdout.write(await queryCommand("select count(*) from mart_rfm", "table"));
 */
export async function queryCommand(
  sql: string,
  format: string = "table",
  path?: string,
): Promise<string> {
  if (!(queryFormats as readonly string[]).includes(format)) {
    throw new QueryError(
      `unknown format ${JSON.stringify(format)}: use one of ${queryFormats.join(", ")}`,
      {
        refused: false,
      },
    );
  }
  const result = await queryAnalystDatabase(path ?? analystDatabasePath(loadSettings()), sql);
  return formatQueryResult(result, format as QueryFormat);
}
