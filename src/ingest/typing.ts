import type { ColumnMapping, ResolvedSource } from "../sources/resolve-sources.ts";
import { type ColumnType, duckdbType } from "../sources/source-declaration.ts";
import type { CsvDialect } from "../sources/source-settings.ts";
import { quoteIdentifier, quoteLiteral } from "../warehouse/warehouse.ts";
import type { RowTyping } from "./file-format.ts";

/** How one kind is typed: the cast of the text, and why a value is invalid. */
interface KindTyping {
  readonly cast: (text: string) => string;
  /** Extra condition, beyond a failed cast, that makes a non-empty value invalid. */
  readonly alsoInvalid?: (text: string, typed: string) => string;
  readonly reason: string;
}

const typings: Record<Exclude<ColumnType, "text">, KindTyping> = {
  // SPEC §1: ISO 8601 local time, no zone; DuckDB's cast would accept (and convert) an offset.
  // The cast reads a T separator as a space: no replace() (a new string per value, a third of
  // the typing's cost), and the pattern below pins the shape either way.
  timestamp: {
    cast: (text) => `try_cast(${text} as timestamp)`,
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

/** Text of a contract column before typing, from its feed. */
function feedText(mapping: ColumnMapping, present: ReadonlySet<string>): string | null {
  const feed = mapping.feed;
  switch (feed.kind) {
    case "column":
      return present.has(feed.exportColumn)
        ? `nullif(${quoteIdentifier(feed.exportColumn)}, '')`
        : null;
    case "sql":
      return `nullif(cast((${feed.sql}) as varchar), '')`;
    case "value":
      return quoteLiteral(feed.value);
    case "row_key":
      // Made of lineage, which the loader adds after typing: see rowKeyText.
      return null;
  }
}

/**
 * The text of a generated row key (SPEC §1.1): the object's key and the
 * record's number, padded so ids sort in file order. Both are lineage the
 * loader knows only once the rows are numbered, so the key is made as the
 * rows are inserted, not when they are typed.
 */
export function rowKeyText(fileKey: string, fileRow: string): string {
  return `${fileKey} || ':' || lpad(${fileRow}::varchar, 10, '0')`;
}

/** How a mapped column is typed: a declared format or decimal comma changes the cast. */
function typingFor(mapping: ColumnMapping, csv: CsvDialect): KindTyping | undefined {
  const type = mapping.column.type;
  if (type === "text") return undefined;
  const format = mapping.format;
  if (format !== undefined && (type === "timestamp" || type === "date")) {
    return {
      cast: (text) =>
        `try_strptime(${text}, ${quoteLiteral(format)})${type === "date" ? "::date" : ""}`,
      reason: `does not match format ${format}`,
    };
  }
  const typing = typings[type];
  if (type === "double" && csv.decimal === ",") {
    return { ...typing, cast: (text) => typing.cast(`replace(${text}, ',', '.')`) };
  }
  return typing;
}

/**
 * The SELECT over a reader's rows that feeds every contract column of
 * `source` from its mapping (absent export columns give NULL), types it,
 * keeps unmapped export columns as text, and sets `_reject_column`,
 * `_reject_reason` and `_reject_value` on a row whose first invalid column
 * (in the source's order) makes it a reject. `relation` yields the
 * `carried` columns, passed through as they are, and the export's text
 * columns. Generated row keys are left out (see rowKeyText).
 */
export function typedSelect(
  source: ResolvedSource,
  stagedColumns: readonly string[],
  relation: string,
  carried: readonly string[] = ["_file_id", "_file_row"],
): string {
  const present = new Set(stagedColumns);
  const pass = carried.map(quoteIdentifier);
  const typedColumns: string[] = [...pass];
  const checks: { column: string; text: string; typed: string; invalid: string; reason: string }[] =
    [];
  const typedMappings = source.mappings.filter((mapping) => mapping.feed.kind !== "row_key");
  for (const mapping of typedMappings) {
    const column = mapping.column;
    const name = quoteIdentifier(column.name);
    const text = feedText(mapping, present);
    if (text === null) {
      typedColumns.push(`null::${duckdbType(column.type)} as ${name}`);
      continue;
    }
    const typing = typingFor(mapping, source.csv);
    if (typing === undefined) {
      typedColumns.push(`${text} as ${name}`);
      continue;
    }
    const textAlias = quoteIdentifier(`__text_${checks.length}`);
    const typed = quoteIdentifier(`__typed_${checks.length}`);
    // DuckDB lets later select items use earlier aliases: each cast runs once.
    typedColumns.push(`${text} as ${textAlias}`, `${typing.cast(textAlias)} as ${typed}`);
    const extra = typing.alsoInvalid ? ` or ${typing.alsoInvalid(textAlias, typed)}` : "";
    checks.push({
      column: column.name,
      text: textAlias,
      typed,
      invalid: `${textAlias} is not null and (${typed} is null${extra})`,
      reason: typing.reason,
    });
  }
  const extras = extraColumns(source, stagedColumns);
  for (const extra of extras)
    typedColumns.push(`nullif(${quoteIdentifier(extra)}, '') as ${quoteIdentifier(extra)}`);

  const outputs = [...pass];
  for (const mapping of typedMappings) {
    const check = checks.find((c) => c.column === mapping.column.name);
    const name = quoteIdentifier(mapping.column.name);
    outputs.push(check ? `${check.typed} as ${name}` : name);
  }
  outputs.push(...extras.map(quoteIdentifier));
  if (checks.length === 0) {
    outputs.push(
      "null::varchar as _reject_column",
      "null::varchar as _reject_reason",
      "null::varchar as _reject_value",
    );
    return `select ${outputs.join(",\n  ")}\nfrom (\n  select ${typedColumns.join(",\n    ")}\n  from ${relation}\n)`;
  }
  // The checks run once per row; the three reject columns look their result up.
  const index = `case ${checks.map((check, i) => `when ${check.invalid} then ${i + 1}`).join(" ")} end`;
  outputs.push(
    `[${checks.map((c) => quoteLiteral(c.column)).join(", ")}][_reject_index] as _reject_column`,
    `[${checks.map((c) => quoteLiteral(c.reason)).join(", ")}][_reject_index] as _reject_reason`,
    `case _reject_index ${checks.map((c, i) => `when ${i + 1} then left(${c.text}, 1000)`).join(" ")} end as _reject_value`,
  );
  return [
    `with typed as (\n  select ${typedColumns.join(",\n    ")}\n  from ${relation}\n),`,
    `flagged as (select *, ${index} as _reject_index from typed)`,
    `select ${outputs.join(",\n  ")}\nfrom flagged`,
  ].join("\n");
}

/**
 * Export columns kept as extra text columns of the raw table: those no
 * mapping reads by name and that do not share a contract column's name.
 */
export function extraColumns(source: ResolvedSource, stagedColumns: readonly string[]): string[] {
  const taken = new Set<string>();
  for (const mapping of source.mappings) {
    taken.add(mapping.column.name);
    if (mapping.feed.kind === "column") taken.add(mapping.feed.exportColumn);
  }
  return stagedColumns.filter((name) => !taken.has(name));
}

/**
 * The typing of `source` as formats apply it: typedSelect, and the reason
 * a file fails when a SQL mapping names a column the file lacks (DuckDB's
 * binder refuses the expression), naming the setting.
 */
export function rowTyping(source: ResolvedSource): RowTyping {
  const expressions = source.mappings.filter((m) => m.feed.kind === "sql").map((m) => m.setting);
  return {
    select: (columns, relation, carried) => typedSelect(source, columns, relation, carried),
    misfit(error) {
      const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
      if (expressions.length === 0 || !message?.startsWith("Binder Error")) return undefined;
      return `the sql of ${expressions.join(", ")} does not fit this file: ${message}`;
    },
  };
}
