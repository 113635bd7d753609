import { ConfigError } from "../util/errors.ts";
import { builtInSources, builtInSourcesFor } from "./built-in-sources.ts";
import {
  type ColumnType,
  findColumn,
  type SourceColumn,
  type SourceDeclaration,
} from "./source-declaration.ts";
import type { CsvDialect, SourcesSetting } from "./source-settings.ts";

/** Where a contract column's text comes from in an export. */
export type ColumnFeed =
  /** An export column, by its normalised (trimmed, lower-case) header name. */
  | { readonly kind: "column"; readonly exportColumn: string }
  /** A SQL expression over the export's (text) columns. */
  | { readonly kind: "sql"; readonly sql: string }
  /** The same value on every row. */
  | { readonly kind: "value"; readonly value: string }
  /** `{object key}:{record number, 10 digits}` (SPEC §1.1). */
  | { readonly kind: "row_key" };

/** How one contract column is fed and parsed, and the setting that said so. */
export interface ColumnMapping {
  readonly column: SourceColumn;
  readonly feed: ColumnFeed;
  /** A `strptime` format for a timestamp or date column; ISO when absent. */
  readonly format?: string;
  /** e.g. `sources.orders.columns.created_at`, for error messages. */
  readonly setting: string;
}

/** A source as this run reads it: its contract plus the export's mapping onto it. */
export interface ResolvedSource {
  readonly declaration: SourceDeclaration;
  /** False for orders derived from order lines (SPEC §1.2): their files are not read. */
  readonly listed: boolean;
  /** Key prefix without the trailing `/`. */
  readonly prefix: string;
  readonly csv: CsvDialect;
  /** One entry per declared column, in declaration order. */
  readonly mappings: readonly ColumnMapping[];
}

/** The settings sources are resolved from (a `Settings` object fits). */
export interface SourceOptions {
  readonly sources: SourcesSetting;
  /** Default `raw`. */
  readonly rawPrefix?: string;
  /** SPEC §1.2: orders come from staged order lines, not from the orders source. */
  readonly ordersFromLines?: boolean;
}

const defaultDialect: CsvDialect = { delimiter: ",", quote: '"', decimal: "." };

/** Normalised export column name, as the loader compares headers. */
export function normalizeColumnName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * Combines the built-in declarations with the `sources:` setting: mappings
 * for built-in sources, declarations of the user's own. Throws a ConfigError
 * naming the setting for a mapping of an unknown column, a user column
 * without a type, a key naming an undeclared column, a format on a column
 * that is no timestamp or date, or prefixes that overlap.
 *
 * @example
 * resolveSources({ sources: { orders: { columns: { order_id: { generate: "row" } } } }, rawPrefix: "raw" });
 */
export function resolveSources(options: SourceOptions): ResolvedSource[] {
  const setting = options.sources;
  const rawPrefix = options.rawPrefix ?? "raw";
  const resolved: ResolvedSource[] = [];
  for (const builtIn of builtInSourcesFor(options.ordersFromLines ?? false)) {
    const source = resolveOne(builtIn, setting[builtIn.name], rawPrefix);
    resolved.push(builtIn.input === undefined ? source : { ...source, listed: false });
  }
  for (const [name, entry] of Object.entries(setting)) {
    if (builtInSources.some((source) => source.name === name)) continue;
    resolved.push(resolveOne(declareUserSource(name, entry), entry, rawPrefix));
  }
  assertDisjointPrefixes(resolved);
  return resolved;
}

type SourceEntry = SourcesSetting[string];
type ColumnEntry = SourceEntry["columns"][string];

function declareUserSource(name: string, entry: SourceEntry): SourceDeclaration {
  const at = `sources.${name}`;
  const columns: SourceColumn[] = [];
  for (const [columnName, value] of Object.entries(entry.columns)) {
    const where = `${at}.columns.${columnName}`;
    if (!/^[a-z][a-z0-9_]*$/.test(columnName)) {
      throw new ConfigError(
        `setting ${where}: a column name is lowercase letters, digits and _, starting with a letter`,
      );
    }
    if (typeof value === "string" || value.type === undefined) {
      throw new ConfigError(
        `setting ${where}: ${name} is not a built-in source, so each column declares its type (text, timestamp, date, double or bigint)`,
      );
    }
    columns.push({
      name: columnName,
      type: value.type,
      required: value.required ?? false,
      description: value.description ?? "",
    });
  }
  if (columns.length === 0)
    throw new ConfigError(`setting ${at}.columns: declare at least one column`);
  if (entry.key === undefined) {
    throw new ConfigError(
      `setting ${at}.key: a user-defined source declares its key (the columns that identify a row)`,
    );
  }
  for (const keyColumn of entry.key) {
    if (!columns.some((column) => column.name === keyColumn)) {
      throw new ConfigError(`setting ${at}.key: ${keyColumn} is not a declared column of ${name}`);
    }
  }
  const reasons = new Set<string>();
  for (const rule of entry.rules ?? []) {
    if (reasons.has(rule.reason) || rule.reason.startsWith("missing_")) {
      throw new ConfigError(
        `setting ${at}.rules: reason ${rule.reason} is used twice or clashes with missing_<column>`,
      );
    }
    reasons.add(rule.reason);
  }
  // Event-time freshness reads the first declared timestamp or date column.
  const eventTime = columns.find((c) => c.type === "timestamp" || c.type === "date")?.name;
  return {
    name,
    description: entry.description ?? `user-defined source ${name}`,
    columns,
    key: entry.key,
    rules: entry.rules ?? [],
    builtIn: false,
    ...(eventTime === undefined ? {} : { eventTime }),
  };
}

function resolveOne(
  declaration: SourceDeclaration,
  entry: SourceEntry | undefined,
  rawPrefix: string,
): ResolvedSource {
  const at = `sources.${declaration.name}`;
  if (declaration.builtIn && entry !== undefined) {
    for (const fixed of ["key", "rules"] as const) {
      if (entry[fixed] !== undefined) {
        throw new ConfigError(
          `setting ${at}.${fixed}: the contract of built-in source ${declaration.name} is fixed (SPEC §1); map its columns instead`,
        );
      }
    }
  }
  const columnEntries = entry?.columns ?? {};
  for (const name of Object.keys(columnEntries)) {
    if (findColumn(declaration, name) === undefined) {
      throw new ConfigError(
        `setting ${at}.columns.${name}: ${declaration.name} has no column ${name} (columns: ${declaration.columns.map((c) => c.name).join(", ")})`,
      );
    }
  }
  const mappings = declaration.columns.map((column) =>
    mapColumn(column, columnEntries[column.name], `${at}.columns.${column.name}`, declaration),
  );
  return {
    declaration,
    listed: true,
    prefix: entry?.prefix ?? `${rawPrefix}/${declaration.name}`,
    csv: entry?.csv ?? defaultDialect,
    mappings,
  };
}

function mapColumn(
  column: SourceColumn,
  entry: ColumnEntry | undefined,
  setting: string,
  declaration: SourceDeclaration,
): ColumnMapping {
  if (entry === undefined) {
    return { column, feed: { kind: "column", exportColumn: column.name }, setting };
  }
  if (typeof entry === "string") {
    return { column, feed: { kind: "column", exportColumn: normalizeColumnName(entry) }, setting };
  }
  if (declaration.builtIn) {
    for (const fixed of ["type", "required"] as const) {
      if (entry[fixed] !== undefined) {
        throw new ConfigError(
          `setting ${setting}.${fixed}: columns of built-in source ${declaration.name} have a fixed ${fixed}`,
        );
      }
    }
  }
  const feeds = (["from", "sql", "value", "generate"] as const).filter(
    (name) => entry[name] !== undefined,
  );
  if (feeds.length > 1) {
    throw new ConfigError(
      `setting ${setting}: give one of from, sql, value or generate, not ${feeds.join(" and ")}`,
    );
  }
  if (entry.format !== undefined && !isTemporal(column.type)) {
    throw new ConfigError(
      `setting ${setting}.format: ${column.name} is ${column.type}; a format applies to timestamp and date columns`,
    );
  }
  if (entry.generate !== undefined && column.type !== "text") {
    throw new ConfigError(
      `setting ${setting}.generate: generated row keys are text; ${column.name} is ${column.type}`,
    );
  }
  const format = entry.format;
  const feed: ColumnFeed =
    entry.from !== undefined
      ? { kind: "column", exportColumn: normalizeColumnName(entry.from) }
      : entry.sql !== undefined
        ? { kind: "sql", sql: entry.sql }
        : entry.value !== undefined
          ? { kind: "value", value: String(entry.value) }
          : entry.generate !== undefined
            ? { kind: "row_key" }
            : { kind: "column", exportColumn: column.name };
  return format === undefined ? { column, feed, setting } : { column, feed, format, setting };
}

function isTemporal(type: ColumnType): boolean {
  return type === "timestamp" || type === "date";
}

function assertDisjointPrefixes(sources: readonly ResolvedSource[]): void {
  for (const [index, source] of sources.entries()) {
    for (const other of sources.slice(index + 1)) {
      const a = `${source.prefix}/`;
      const b = `${other.prefix}/`;
      if (a.startsWith(b) || b.startsWith(a)) {
        throw new ConfigError(
          `setting sources.${other.declaration.name}.prefix: ${other.prefix} overlaps the prefix ${source.prefix} of ${source.declaration.name}; one object would feed two sources`,
        );
      }
    }
  }
}

/** The contracts of every source the settings lead to, built-in ones first. */
export function declaredSources(options: SourceOptions): SourceDeclaration[] {
  return resolveSources(options).map((source) => source.declaration);
}

/** Export columns the mapping reads by name (not through SQL), for the required-column check. */
export function exportColumnFor(mapping: ColumnMapping): string | undefined {
  return mapping.feed.kind === "column" ? mapping.feed.exportColumn : undefined;
}
