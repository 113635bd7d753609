import { quoteIdentifier, quoteLiteral } from "../warehouse/warehouse.ts";
import type { ColumnKind, SourceDefinition } from "./sources.ts";

/** How one kind is typed: the cast of the text, and why a value is invalid. */
interface KindTyping {
  readonly cast: (text: string) => string;
  /** Extra condition, beyond a failed cast, that makes a non-empty value invalid. */
  readonly alsoInvalid?: (text: string, typed: string) => string;
  readonly reason: string;
}

const typings: Record<Exclude<ColumnKind, "text">, KindTyping> = {
  // SPEC §1: ISO 8601 local time, no zone; DuckDB's cast would accept (and convert) an offset.
  timestamp: {
    cast: (text) => `try_cast(replace(${text}, 'T', ' ') as timestamp)`,
    alsoInvalid: (text) =>
      `not regexp_full_match(${text}, '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?')`,
    reason: "invalid timestamp (want YYYY-MM-DD HH:MM:SS, no zone)",
  },
  date: {
    cast: (text) => `try_cast(${text} as date)`,
    alsoInvalid: (text) => `not regexp_full_match(${text}, '\\d{4}-\\d{2}-\\d{2}')`,
    reason: "invalid date (want YYYY-MM-DD)",
  },
  // NaN and Infinity cast fine but are not valid values.
  double: {
    cast: (text) => `try_cast(${text} as double)`,
    alsoInvalid: (_text, typed) => `not isfinite(${typed})`,
    reason: "invalid number (NaN and Infinity are not allowed)",
  },
  // DuckDB rounds '2.5' to 3 when casting to BIGINT: insist on digits.
  bigint: {
    cast: (text) => `try_cast(${text} as bigint)`,
    alsoInvalid: (text) => `not regexp_full_match(trim(${text}), '[+-]?\\d+')`,
    reason: "invalid integer",
  },
};

/**
 * The SELECT over a staging table that types every declared column of
 * `source` (absent ones are NULL), keeps other columns as text, and sets
 * `_reject_column`, `_reject_reason` and `_reject_value` on a row whose
 * first invalid column (in the source's order) makes it a reject.
 */
export function typedSelect(
  source: SourceDefinition,
  stagedColumns: readonly string[],
  stagedTable: string,
): string {
  const present = new Set(stagedColumns);
  const declared = new Set(source.columns.map((c) => c.name));
  const typedColumns: string[] = ["_file_id", "_file_row"];
  const checks: { column: string; text: string; typed: string; invalid: string; reason: string }[] =
    [];
  for (const column of source.columns) {
    const name = quoteIdentifier(column.name);
    if (!present.has(column.name)) {
      typedColumns.push(`null::${column.kind === "text" ? "varchar" : column.kind} as ${name}`);
      continue;
    }
    if (column.kind === "text") {
      typedColumns.push(`nullif(${name}, '') as ${name}`);
      continue;
    }
    const typing = typings[column.kind];
    const text = quoteIdentifier(`__text_${checks.length}`);
    const typed = quoteIdentifier(`__typed_${checks.length}`);
    // DuckDB lets later select items use earlier aliases: each cast runs once.
    typedColumns.push(`nullif(${name}, '') as ${text}`, `${typing.cast(text)} as ${typed}`);
    const extra = typing.alsoInvalid ? ` or ${typing.alsoInvalid(text, typed)}` : "";
    checks.push({
      column: column.name,
      text,
      typed,
      invalid: `${text} is not null and (${typed} is null${extra})`,
      reason: typing.reason,
    });
  }
  const extras = stagedColumns.filter((name) => !declared.has(name));
  for (const extra of extras)
    typedColumns.push(`nullif(${quoteIdentifier(extra)}, '') as ${quoteIdentifier(extra)}`);

  const outputs = ["_file_id", "_file_row"];
  for (const column of source.columns) {
    const check = checks.find((c) => c.column === column.name);
    const name = quoteIdentifier(column.name);
    outputs.push(check ? `${check.typed} as ${name}` : name);
  }
  outputs.push(...extras.map(quoteIdentifier));
  if (checks.length === 0) {
    outputs.push(
      "null::varchar as _reject_column",
      "null::varchar as _reject_reason",
      "null::varchar as _reject_value",
    );
    return `select ${outputs.join(",\n  ")}\nfrom (\n  select ${typedColumns.join(",\n    ")}\n  from ${stagedTable}\n)`;
  }
  // The checks run once per row; the three reject columns look their result up.
  const index = `case ${checks.map((check, i) => `when ${check.invalid} then ${i + 1}`).join(" ")} end`;
  outputs.push(
    `[${checks.map((c) => quoteLiteral(c.column)).join(", ")}][_reject_index] as _reject_column`,
    `[${checks.map((c) => quoteLiteral(c.reason)).join(", ")}][_reject_index] as _reject_reason`,
    `case _reject_index ${checks.map((c, i) => `when ${i + 1} then left(${c.text}, 1000)`).join(" ")} end as _reject_value`,
  );
  return [
    `with typed as (\n  select ${typedColumns.join(",\n    ")}\n  from ${stagedTable}\n),`,
    `flagged as (select *, ${index} as _reject_index from typed)`,
    `select ${outputs.join(",\n  ")}\nfrom flagged`,
  ].join("\n");
}
