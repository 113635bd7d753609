import { stringify as toYaml } from "yaml";
import {
  duckdbType,
  lineageColumns,
  type SourceDeclaration,
} from "../sources/source-declaration.ts";
import { quoteIdentifier, quoteLiteral } from "../warehouse/warehouse.ts";

/** A staging model generated from a source declaration: its name and full SQL text. */
export interface GeneratedModel {
  readonly name: string;
  /** Header comment and query, as `duckmart models --sql` prints it. */
  readonly sql: string;
}

const staged = "staged";

/**
 * The three staging models of SPEC §1 for one declared source:
 * `stg_<s>_classified` (every raw row with its outcome), `stg_<s>` (staged
 * rows) and `stg_<s>_quarantine`. The steps are always the same: (1) the
 * first empty required column names the reason, (2) the key rule picks one
 * row per key, (3) the winner is quarantined by the first row rule it breaks.
 */
export function stagingModels(source: SourceDeclaration): GeneratedModel[] {
  return [classifiedModel(source), stagedModel(source), quarantineModel(source)];
}

/** Every column a staging model of `source` can have, with its DuckDB type. */
function columnTypes(source: SourceDeclaration): Record<string, string> {
  const types: Record<string, string> = {};
  for (const column of source.columns) types[column.name] = duckdbType(column.type).toUpperCase();
  for (const column of lineageColumns) types[column.name] = column.type.toUpperCase();
  Object.assign(types, { row_status: "VARCHAR", quarantine_reason: "VARCHAR", reason: "VARCHAR" });
  if (source.conversion) {
    types.fx_rate = "DOUBLE";
    types[`${source.conversion.amount}_base`] = "DOUBLE";
    types[`${source.conversion.amount}_in_currency`] = "DOUBLE";
  }
  return types;
}

/** The header comment, each column documented with its type (one contract per model). */
function header(source: SourceDeclaration, document: Record<string, unknown>): string {
  const types = columnTypes(source);
  const columns = Object.fromEntries(
    Object.entries(document.columns as Record<string, unknown>).map(([name, doc]) => [
      name,
      typeof doc === "string"
        ? { description: doc, type: types[name] }
        : { ...(doc as object), type: types[name] },
    ]),
  );
  document = { ...document, columns };
  return `/*\n# generated from the source declaration (SPEC §1.1); duckmart models --sql NAME prints it\n${toYaml(document, { lineWidth: 100 }).trimEnd()}\n*/\n`;
}

function reasons(source: SourceDeclaration): string[] {
  return [
    ...source.columns.filter((c) => c.required).map((c) => `missing_${c.name}`),
    ...source.rules.map((rule) => rule.reason),
    ...(source.conversion ? ["no_fx_rate"] : []),
  ];
}

function lineageDocs(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    lineageColumns.filter((c) => names.includes(c.name)).map((c) => [c.name, c.description]),
  );
}

function classifiedModel(source: SourceDeclaration): GeneratedModel {
  const name = `stg_${source.name}_classified`;
  const q = quoteIdentifier;
  const conversion = source.conversion;
  const required = source.columns.filter((c) => c.required);
  const columnDocs: Record<string, unknown> = Object.fromEntries(
    source.columns.map((c) => [c.name, c.description]),
  );
  if (conversion) {
    columnDocs.fx_rate = "base-currency units per currency unit on the row's date (winners only)";
    columnDocs[`${conversion.amount}_base`] = `${conversion.amount} × fx_rate (winners only)`;
  }
  Object.assign(columnDocs, lineageDocs(lineageColumns.map((c) => c.name)), {
    row_status: {
      description: "staged, quarantined or superseded",
      tests: ["not_null", { accepted_values: [staged, "quarantined", "superseded"] }],
    },
    quarantine_reason: {
      description: "why a quarantined row was quarantined",
      tests: reasons(source).length > 0 ? [{ accepted_values: reasons(source) }] : [],
    },
  });
  // Ranking, rules and conversion look only at the rows of one key, so a new
  // object is classified with the raw rows of the keys it touches.
  const incremental = source.input === undefined;
  // A changed rate (dt, currency) can change the conversion of that
  // currency's rows on or after dt (the as-of rule below), no others.
  const lookups = conversion
    ? {
        lookups: {
          stg_fx_rates: `changed.currency = r.${q(conversion.currency)} and changed.dt <= cast(r.${q(conversion.on)} as date)`,
        },
      }
    : {};
  const metadata = header(source, {
    ...(incremental ? { kind: "incremental_by_key", key: [...source.key], ...lookups } : {}),
    description: `Every raw ${source.name} row with its staging outcome (SPEC §1): staged, quarantined with a reason, or superseded by the winning row of its key (${source.key.join(", ")}). stg_${source.name} and stg_${source.name}_quarantine read it.`,
    grain: `one row per raw ${source.name} row`,
    columns: columnDocs,
    tests: [
      {
        expression: {
          name: "reason_when_quarantined",
          check: "(row_status = 'quarantined') = (quarantine_reason is not null)",
        },
      },
    ],
  });

  const ctes: string[] = [`source as (\n    select * from ${inputOf(source)}\n)`];
  if (conversion) {
    ctes.push(
      "fx_rates as (\n    select * from staging.stg_fx_rates\n)",
      `-- §1: rows for the base currency are ignored; it always converts at rate 1
foreign_rates as (
    select
        dt,
        currency,
        rate
    from fx_rates
    where currency <> getvariable('base_currency')
)`,
    );
  }
  const missingCase =
    required.length === 0
      ? "null::varchar"
      : `case\n${required.map((c) => `            when ${q(c.name)} is null then ${quoteLiteral(`missing_${c.name}`)}`).join("\n")}\n        end`;
  ctes.push(`-- §1 step 1: the first empty required column, in the table's order, names the reason
required_checked as (
    select
        *,
        ${missingCase} as missing_reason
    from source
)`);
  ctes.push(`-- §1 step 2: per key, the row of the most recently modified object wins,
-- then the greater object key, then the later row in the file; a row missing
-- a required column ranks apart (its missing_reason partitions it) and is
-- quarantined whatever its rank, in the same pass
ranked as (
    select
        *,
        row_number() over (
            partition by missing_reason, ${source.key.map(q).join(", ")}
            order by _file_modified desc, _file_key desc, _file_row desc
        ) as key_rank
    from required_checked
)`);
  let winners = "ranked";
  const rules = source.rules.map((rule) => ({ reason: rule.reason, when: `(${rule.when})` }));
  if (conversion) {
    const currency = `ranked.${q(conversion.currency)}`;
    ctes.push(`-- §1: the rate of the row's currency with the latest dt on or before the
-- row's date; empty or base currency means rate 1
converted as (
    select
        ranked.*,
        case
            when ${currency} is null or ${currency} = getvariable('base_currency') then 1::double
            else foreign_rates.rate
        end as fx_rate
    from ranked
    asof left join foreign_rates
        on ${currency} = foreign_rates.currency
        and cast(ranked.${q(conversion.on)} as date) >= foreign_rates.dt
)`);
    winners = "converted";
    rules.push({ reason: "no_fx_rate", when: "fx_rate is null" });
  }
  const broken =
    rules.length === 0
      ? "null::varchar"
      : `case\n            when missing_reason is not null then null\n${rules.map((rule) => `            when ${rule.when} then ${quoteLiteral(rule.reason)}`).join("\n")}\n        end`;
  const winner = "missing_reason is null and key_rank = 1";
  const converted = conversion
    ? `,
        case when ${winner} then fx_rate end as fx_rate,
        case when ${winner} then ${q(conversion.amount)} * fx_rate end as ${q(`${conversion.amount}_base`)}`
    : "";
  ctes.push(`-- §1 step 3: a winner that breaks a row rule is quarantined and its key has
-- no staged row (an older valid version does not come back)
ruled as (
    select
        *,
        ${broken} as rule_reason
    from ${winners}
)`);
  ctes.push(`classified as (
    select
        * exclude (key_rank, missing_reason${conversion ? ", fx_rate" : ""}, rule_reason),
        case
            when missing_reason is not null then 'quarantined'
            when key_rank > 1 then 'superseded'
            when rule_reason is not null then 'quarantined'
            else 'staged'
        end as row_status,
        case
            when missing_reason is not null then missing_reason
            when key_rank = 1 then rule_reason
        end as quarantine_reason${converted}
    from ruled
)`);
  const outputs = [
    ...source.columns.map((c) => q(c.name)),
    ...(conversion ? ["fx_rate", q(`${conversion.amount}_base`)] : []),
    ...lineageColumns.map((c) => c.name),
    "row_status",
    "quarantine_reason",
  ];
  ctes.push(finalCte("classified", outputs));
  return { name, sql: `${metadata}with\n\n${ctes.join(",\n\n")}\n\nselect * from final\n` };
}

/** What staging reads: the raw table, or the relation the declaration names instead. */
function inputOf(source: SourceDeclaration): string {
  return source.input ?? `raw.${quoteIdentifier(source.name)}`;
}

function finalCte(from: string, outputs: readonly string[], where?: string): string {
  return `final as (
    select
${outputs.map((o) => `        ${o}`).join(",\n")}
    from ${from}${where ? `\n    where ${where}` : ""}
)`;
}

function stagedModel(source: SourceDeclaration): GeneratedModel {
  const q = quoteIdentifier;
  const conversion = source.conversion;
  const key = new Set(source.key);
  const columnDocs: Record<string, unknown> = {};
  const outputs: string[] = [];
  for (const column of source.columns) {
    const tests: unknown[] = [];
    if (source.key.length === 1 && key.has(column.name)) tests.push("unique");
    if (column.required) tests.push("not_null");
    if (conversion && column.name === conversion.amount) {
      columnDocs[column.name] = {
        description: `${column.name} in the base currency (${column.name}_in_currency × fx_rate)`,
        tests: [...tests, { range: { min: 0 } }],
      };
      outputs.push(`${q(`${column.name}_base`)} as ${q(column.name)}`);
      columnDocs[`${column.name}_in_currency`] = `${column.name} in the row's own currency`;
      outputs.push(`${q(column.name)} as ${q(`${column.name}_in_currency`)}`);
      continue;
    }
    if (conversion && column.name === conversion.currency) {
      columnDocs[column.name] = {
        description: `${column.description} (the base currency when empty)`,
        tests: ["not_null"],
      };
      outputs.push(
        `coalesce(${q(column.name)}, getvariable('base_currency')) as ${q(column.name)}`,
      );
      columnDocs.fx_rate = {
        description: "base-currency units per currency unit applied",
        tests: ["not_null"],
      };
      outputs.push("fx_rate");
      continue;
    }
    columnDocs[column.name] =
      tests.length > 0 ? { description: column.description, tests } : column.description;
    outputs.push(q(column.name));
  }
  outputs.push("_file_key", "_file_row");
  Object.assign(columnDocs, lineageDocs(["_file_key", "_file_row"]));
  const tests: unknown[] = [];
  if (source.key.length > 1) tests.push({ unique: { columns: [...source.key] } });
  for (const rule of source.rules) {
    tests.push({
      expression: { name: `no_${rule.reason}`, check: `not coalesce(${rule.when}, false)` },
    });
  }
  tests.push({
    reconcile: {
      name: "raw_rows_accounted",
      left: `select count(*) from ${inputOf(source)}`,
      right: `select (select count(*) from staging.stg_${source.name}) + (select count(*) from staging.stg_${source.name}_quarantine) + (select count(*) from staging.stg_${source.name}_classified where row_status = 'superseded')`,
    },
  });
  const metadata = header(source, {
    ...byKeyPartition(source),
    description: `Staged ${source.description}: one row per key (${source.key.join(", ")}) after the rules of SPEC §1.`,
    grain: `one row per (${source.key.join(", ")})`,
    columns: columnDocs,
    tests,
  });
  const ctes = [
    `classified as (\n    select * from staging.stg_${source.name}_classified\n)`,
    finalCte("classified", outputs, "row_status = 'staged'"),
  ];
  return {
    name: `stg_${source.name}`,
    sql: `${metadata}with\n\n${ctes.join(",\n\n")}\n\nselect * from final\n`,
  };
}

/**
 * stg_<source> and stg_<source>_quarantine pick rows of the classified model
 * one by one, so any columns they pass through unchanged split them: the key
 * columns, except the converted amount and the currency, which stg_<source>
 * rewrites (a partition named by the raw value would miss its staged row).
 * A key made only of those stays a plain table.
 */
function byKeyPartition(source: SourceDeclaration): Record<string, unknown> {
  const rewritten = new Set(
    source.conversion ? [source.conversion.amount, source.conversion.currency] : [],
  );
  const partitionedBy = source.key.filter((column) => !rewritten.has(column));
  return partitionedBy.length === 0
    ? {}
    : { kind: "incremental_by_partition", partitioned_by: partitionedBy };
}

function quarantineModel(source: SourceDeclaration): GeneratedModel {
  const q = quoteIdentifier;
  const outputs = [
    "quarantine_reason as reason",
    ...source.columns.map((c) => q(c.name)),
    "_file_key",
    "_file_row",
    "_run_id",
  ];
  const metadata = header(source, {
    ...byKeyPartition(source),
    description: `Raw ${source.name} rows quarantined by staging (SPEC §1), with the reason.`,
    grain: `one row per quarantined raw ${source.name} row`,
    columns: {
      reason: { description: reasons(source).join(", "), tests: ["not_null"] },
      ...Object.fromEntries(source.columns.map((c) => [c.name, c.description])),
      ...lineageDocs(["_file_key", "_file_row", "_run_id"]),
    },
  });
  const ctes = [
    `classified as (\n    select * from staging.stg_${source.name}_classified\n)`,
    finalCte("classified", outputs, "row_status = 'quarantined'"),
  ];
  return {
    name: `stg_${source.name}_quarantine`,
    sql: `${metadata}with\n\n${ctes.join(",\n\n")}\n\nselect * from final\n`,
  };
}
