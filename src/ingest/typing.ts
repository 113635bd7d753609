import { quoteIdentifier, quoteLiteral } from "../warehouse/warehouse.ts";
import type { ColumnKind, SourceDefinition } from "./sources.ts";

/**
 * SQL that types one text column: the typed value, and a condition that is
 * true when a non-empty value is not valid for its kind (SPEC §1: NaN,
 * Infinity and timestamps with a zone offset are invalid).
 */
interface ColumnTyping {
  readonly value: string;
  readonly invalid: string | null;
  readonly reason: string;
}

const timestampPattern = String.raw`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?`;
const datePattern = String.raw`\d{4}-\d{2}-\d{2}`;
const integerPattern = String.raw`[+-]?\d+`;

function typing(kind: ColumnKind, text: string): ColumnTyping {
  const v = `nullif(${text}, '')`;
  switch (kind) {
    case "text":
      return { value: v, invalid: null, reason: "" };
    case "timestamp": {
      const cast = `try_cast(replace(${v}, 'T', ' ') as timestamp)`;
      return {
        value: cast,
        invalid: `${v} is not null and (not regexp_full_match(${v}, '${timestampPattern}') or ${cast} is null)`,
        reason: "invalid timestamp (want YYYY-MM-DD HH:MM:SS without zone)",
      };
    }
    case "date": {
      const cast = `try_cast(${v} as date)`;
      return {
        value: cast,
        invalid: `${v} is not null and (not regexp_full_match(${v}, '${datePattern}') or ${cast} is null)`,
        reason: "invalid date (want YYYY-MM-DD)",
      };
    }
    case "double": {
      const cast = `try_cast(${v} as double)`;
      return {
        value: cast,
        invalid: `${v} is not null and (${cast} is null or not isfinite(${cast}))`,
        reason: "invalid number (NaN and Infinity are not allowed)",
      };
    }
    case "bigint": {
      const cast = `try_cast(${v} as bigint)`;
      return {
        value: cast,
        invalid: `${v} is not null and (not regexp_full_match(trim(${v}), '${integerPattern}') or ${cast} is null)`,
        reason: "invalid integer",
      };
    }
  }
}

/**
 * The SELECT over a staged text table that types every column of `source`
 * found in the file (absent optional ones become NULL), keeps extra columns
 * as text, and names the first invalid column of each row, if any, in
 * `_reject_column`, `_reject_reason` and `_reject_value`.
 */
export function typedSelect(
  source: SourceDefinition,
  fileColumns: readonly string[],
  stagedTable: string,
): string {
  const present = new Set(fileColumns);
  const declared = new Set(source.columns.map((c) => c.name));
  const outputs: string[] = ["_file_row"];
  const checks: { column: string; invalid: string; reason: string; text: string }[] = [];
  for (const column of source.columns) {
    const name = quoteIdentifier(column.name);
    if (!present.has(column.name)) {
      outputs.push(`null::${column.kind === "text" ? "varchar" : column.kind} as ${name}`);
      continue;
    }
    const typed = typing(column.kind, name);
    outputs.push(`${typed.value} as ${name}`);
    if (typed.invalid)
      checks.push({
        column: column.name,
        invalid: typed.invalid,
        reason: typed.reason,
        text: name,
      });
  }
  for (const extra of fileColumns.filter((name) => !declared.has(name))) {
    outputs.push(`nullif(${quoteIdentifier(extra)}, '') as ${quoteIdentifier(extra)}`);
  }
  const pick = (field: (check: (typeof checks)[number]) => string) =>
    checks.length === 0
      ? "null::varchar"
      : `case ${checks.map((check) => `when ${check.invalid} then ${field(check)}`).join(" ")} end`;
  outputs.push(`${pick((c) => quoteLiteral(c.column))} as _reject_column`);
  outputs.push(`${pick((c) => quoteLiteral(c.reason))} as _reject_reason`);
  outputs.push(`${pick((c) => `left(${c.text}, 1000)`)} as _reject_value`);
  return `select ${outputs.join(",\n  ")}\nfrom ${stagedTable}`;
}
