import type { ResolvedSource } from "../sources/resolve-sources.ts";
import type { CategoryRule } from "../sources/source-settings.ts";
import { ConfigError } from "../util/errors.ts";
import { quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";

/**
 * Checks with DuckDB what settings validation cannot: that every `sql:`
 * feed and row rule parses, that every `format:` is a strptime format, and
 * that every category rule is a regular expression DuckDB accepts.
 * Runs before anything loads, so a mistake stops the run at start with an
 * error naming the setting (SPEC §1.1).
 */
export async function checkSourceMappings(
  session: SqlSession,
  sources: readonly ResolvedSource[],
  categoryRules: readonly CategoryRule[] = [],
): Promise<void> {
  const problems: string[] = [];
  // RE2, as DuckDB's regexp_matches compiles it (SPEC §1.2), not JavaScript's RegExp.
  for (const [index, rule] of categoryRules.entries()) {
    try {
      await session.all("select regexp_matches('', $1::varchar, 'i')", [rule.match]);
    } catch (error) {
      const reason = String((error as Error).message).split("\n")[0];
      problems.push(
        `setting categoryRules[${index}].match ${JSON.stringify(rule.match)}: ${reason}`,
      );
    }
  }
  const parses = async (setting: string, sql: string) => {
    const [row] = await session.all<{ error: string | null }>(
      "select json_extract_string(json_serialize_sql($1::varchar), '$.error_message') as error",
      [sql],
    );
    if (row?.error) problems.push(`setting ${setting}: ${row.error}`);
  };
  for (const source of sources) {
    for (const mapping of source.mappings) {
      if (mapping.feed.kind === "sql") {
        await parses(`${mapping.setting}.sql`, `select (${mapping.feed.sql}) from t`);
      }
      if (mapping.format !== undefined) {
        try {
          await session.all(`select try_strptime('', ${quoteLiteral(mapping.format)})`);
        } catch (error) {
          const reason = String((error as Error).message).split("\n")[0];
          problems.push(`setting ${mapping.setting}.format: ${reason}`);
        }
      }
    }
    if (!source.declaration.builtIn) {
      for (const [index, rule] of source.declaration.rules.entries()) {
        await parses(
          `sources.${source.declaration.name}.rules[${index}].when`,
          `select 1 from t where ${rule.when}`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid source mappings: ${problems.join("; ")}`);
}
