import { z } from "zod";

/** `error` stops the run before publish; `warn` is only reported. */
export type Severity = "error" | "warn";

/** The kinds of data test a model can declare (closed set). */
export type DataTestKind =
  | "not_null"
  | "unique"
  | "accepted_values"
  | "relationships"
  | "range"
  | "expression"
  | "reconcile"
  | "row_count";

interface DeclarationBase {
  /** Defaults to `<kind>.<column>`; must be unique within the model. */
  readonly name: string;
  readonly severity: Severity;
  /** Only rows matching this SQL condition are checked. */
  readonly where?: string;
}

/** Fails for each row whose column is null. */
export interface NotNullTest extends DeclarationBase {
  readonly kind: "not_null";
  readonly column: string;
}

/** Fails for each combination of the columns that occurs more than once (nulls ignored for one column). */
export interface UniqueTest extends DeclarationBase {
  readonly kind: "unique";
  readonly columns: readonly string[];
}

/** Fails for each non-null value outside the list. */
export interface AcceptedValuesTest extends DeclarationBase {
  readonly kind: "accepted_values";
  readonly column: string;
  readonly values: readonly (string | number | boolean)[];
}

/** Fails for each non-null value that has no row in the other model's field. */
export interface RelationshipsTest extends DeclarationBase {
  readonly kind: "relationships";
  readonly column: string;
  /** A model name. */
  readonly to: string;
  readonly field: string;
}

/** Fails for each non-null value outside [min, max] (inclusive). */
export interface RangeTest extends DeclarationBase {
  readonly kind: "range";
  readonly column: string;
  readonly min?: number;
  readonly max?: number;
}

/** Fails for each row where the boolean SQL `check` is not true. */
export interface ExpressionTest extends DeclarationBase {
  readonly kind: "expression";
  readonly check: string;
}

/** Fails when two scalar queries disagree beyond a relative tolerance. */
export interface ReconcileTest extends DeclarationBase {
  readonly kind: "reconcile";
  readonly left: string;
  readonly right: string;
  readonly tolerance: number;
}

/** Fails when the model's row count is outside [min, max]. */
export interface RowCountTest extends DeclarationBase {
  readonly kind: "row_count";
  readonly min?: number;
  readonly max?: number;
}

/** One data test as declared in a model's metadata, normalised. */
export type DataTestDeclaration =
  | NotNullTest
  | UniqueTest
  | AcceptedValuesTest
  | RelationshipsTest
  | RangeTest
  | ExpressionTest
  | ReconcileTest
  | RowCountTest;

const severity = z.enum(["error", "warn"]).default("error");
const common = {
  name: z.string().min(1).optional(),
  severity,
  where: z.string().min(1).optional(),
};
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const optionSchemas = {
  not_null: z.object({ ...common, column: z.string().min(1) }).strict(),
  unique: z
    .object({
      ...common,
      column: z.string().min(1).optional(),
      columns: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict(),
  accepted_values: z
    .object({ ...common, column: z.string().min(1), values: z.array(scalar).min(1) })
    .strict(),
  relationships: z
    .object({
      ...common,
      column: z.string().min(1),
      to: z.string().min(1),
      field: z.string().min(1),
    })
    .strict(),
  range: z
    .object({
      ...common,
      column: z.string().min(1),
      min: z.number().optional(),
      max: z.number().optional(),
    })
    .strict()
    .refine(
      (value) => value.min !== undefined || value.max !== undefined,
      "range needs min or max",
    ),
  expression: z.object({ ...common, name: z.string().min(1), check: z.string().min(1) }).strict(),
  reconcile: z
    .object({
      name: z.string().min(1),
      severity,
      left: z.string().min(1),
      right: z.string().min(1),
      tolerance: z.number().min(0).default(1e-9),
    })
    .strict(),
  row_count: z
    .object({
      name: z.string().min(1).optional(),
      severity,
      min: z.number().int().optional(),
      max: z.number().int().optional(),
    })
    .strict(),
} as const;

const kinds = Object.keys(optionSchemas) as DataTestKind[];

/**
 * Normalises the `tests:` entries of a model header. Entries take the dbt
 * shapes: a bare kind (`unique`, `not_null`) or `{kind: options}`, where a
 * column-level entry gets its column filled in and `accepted_values` may be
 * given the list directly. Throws an Error naming the offending entry.
 *
 * @example parseTestDeclarations(["not_null", { range: { min: 0, max: 1 } }], "retention_rate")
 */
export function parseTestDeclarations(entries: unknown, column?: string): DataTestDeclaration[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw new Error("tests must be a list");
  return entries.map((entry, index) => parseOne(entry, column, index));
}

function parseOne(entry: unknown, column: string | undefined, index: number): DataTestDeclaration {
  let kind: string;
  let options: unknown;
  if (typeof entry === "string") {
    kind = entry;
    options = {};
  } else if (
    entry !== null &&
    typeof entry === "object" &&
    !Array.isArray(entry) &&
    Object.keys(entry).length === 1
  ) {
    [kind, options] = Object.entries(entry)[0] as [string, unknown];
  } else {
    throw new Error(`test #${index + 1} must be a kind or a {kind: options} mapping`);
  }
  if (!kinds.includes(kind as DataTestKind)) {
    throw new Error(`test #${index + 1}: unknown kind ${kind} (known: ${kinds.join(", ")})`);
  }
  if (kind === "accepted_values" && Array.isArray(options)) options = { values: options };
  const given = options ?? {};
  if (typeof given !== "object" || Array.isArray(given)) {
    throw new Error(`test #${index + 1} (${kind}): options must be a mapping`);
  }
  const withColumn =
    column !== undefined && !("columns" in given)
      ? { column, ...(given as Record<string, unknown>) }
      : given;
  const parsed = optionSchemas[kind as DataTestKind].safeParse(withColumn);
  if (!parsed.success) {
    const detail = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || kind}: ${issue.message}`,
    );
    throw new Error(`test #${index + 1} (${kind}): ${detail.join("; ")}`);
  }
  return normalise(kind as DataTestKind, parsed.data as Record<string, unknown>, index);
}

function normalise(
  kind: DataTestKind,
  options: Record<string, unknown>,
  index: number,
): DataTestDeclaration {
  const column = options.column as string | undefined;
  switch (kind) {
    case "unique": {
      const columns =
        (options.columns as string[] | undefined) ?? (column === undefined ? [] : [column]);
      if (columns.length === 0)
        throw new Error(`test #${index + 1} (unique): needs column or columns`);
      const { column: _column, ...rest } = options;
      return {
        ...(rest as Omit<UniqueTest, "kind" | "columns" | "name">),
        kind,
        columns,
        name: (options.name as string) ?? `unique.${columns.join("+")}`,
      } as UniqueTest;
    }
    case "row_count":
      return { ...options, kind, name: (options.name as string) ?? "row_count" } as RowCountTest;
    case "expression":
    case "reconcile":
      return { ...options, kind } as DataTestDeclaration;
    default:
      return {
        ...options,
        kind,
        name: (options.name as string) ?? `${kind}.${column}`,
      } as DataTestDeclaration;
  }
}
