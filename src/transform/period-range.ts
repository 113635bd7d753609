import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";

/** A `partition_of` expression that floors a column to a calendar period. */
export interface PeriodFloor {
  /** The column floored, unquoted. */
  readonly column: string;
  /** The period, as DuckDB's `date_trunc` names it (`day` for a cast to date). */
  readonly unit: "day" | "week" | "month" | "quarter" | "year";
}

const identifier = String.raw`([A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")`;
const unit = String.raw`'(day|week|month|quarter|year)'`;
const truncated = String.raw`date_trunc\(\s*${unit}\s*,\s*${identifier}\s*\)`;
/** The forms read, each with the index of its unit's group (0: a cast to date, a day) and its column's. */
const floorForms: readonly {
  readonly pattern: RegExp;
  readonly unit: number;
  readonly column: number;
}[] = [
  { pattern: new RegExp(String.raw`^${truncated}$`, "i"), unit: 1, column: 2 },
  {
    pattern: new RegExp(String.raw`^cast\(\s*${truncated}\s+as\s+date\s*\)$`, "i"),
    unit: 1,
    column: 2,
  },
  {
    pattern: new RegExp(String.raw`^cast\(\s*${identifier}\s+as\s+date\s*\)$`, "i"),
    unit: 0,
    column: 1,
  },
  { pattern: new RegExp(String.raw`^${identifier}\s*::\s*date$`, "i"), unit: 0, column: 1 },
];

/**
 * The column and period a `partition_of` expression floors, when it is
 * `date_trunc('<unit>', column)`, that cast to date, `cast(column as date)`
 * or `column::date`; null for anything else. Such a value v holds only
 * rows with v ≤ column < v + one period, which lets a merge read a range of
 * the column, where DuckDB skips row groups by their min and max, before it
 * computes the expression on every row.
 */
export function periodFloor(expression: string): PeriodFloor | null {
  const text = expression.trim();
  for (const form of floorForms) {
    const match = form.pattern.exec(text);
    if (match === null) continue;
    return {
      column: unquote(match[form.column] as string),
      unit: (form.unit === 0
        ? "day"
        : (match[form.unit] as string).toLowerCase()) as PeriodFloor["unit"],
    };
  }
  return null;
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/** Column types a range on the floored column is compared in exactly, whatever the session's time zone. */
const rangeTypes = new Set(["DATE", "TIMESTAMP"]);

/**
 * A condition on `alias`'s row that every row of `parent` (a `schema.name`
 * table) falling in a touched partition meets: for each list of partition
 * expressions (`partition_of`), the range of the column one of them floors,
 * from the smallest touched value to one period past the largest, and `is
 * null` when a touched value is null. Null, meaning no narrowing, when
 * some list floors no DATE or TIMESTAMP column, or a touched value is not
 * finite. The merge keeps its exact condition; this only lets DuckDB skip
 * the row groups outside the range (a month of 10.7M sessions: the merge
 * of mart_activity went from 2.4 to 1.3 s).
 */
export async function touchedPeriodRange(
  session: SqlSession,
  parent: { readonly schema: string; readonly name: string },
  lists: readonly (readonly string[])[],
  columns: readonly string[],
  touched: string,
  alias: string,
): Promise<string | null> {
  const types = new Map(
    (
      await session.all<{ column_name: string; data_type: string }>(
        `select column_name, data_type from duckdb_columns()
          where database_name = current_database() and schema_name = $1 and table_name = $2`,
        [parent.schema, parent.name],
      )
    ).map((row) => [row.column_name, row.data_type]),
  );
  const ranges: string[] = [];
  for (const list of lists) {
    const at = list.findIndex((expression) => {
      const floor = periodFloor(expression);
      return floor !== null && rangeTypes.has(types.get(floor.column) ?? "");
    });
    if (at === -1) return null;
    const floor = periodFloor(list[at] as string) as PeriodFloor;
    const type = types.get(floor.column) as string;
    const value = quoteIdentifier(columns[at] as string);
    const [bounds] = await session.all<{
      low: string | null;
      high: string | null;
      nulls: number;
      infinite: number;
    }>(
      `select
         cast(cast(min(${value}) as ${type}) as varchar) as low,
         cast(cast(max(${value}) + interval 1 ${floor.unit} as ${type}) as varchar) as high,
         count(*) filter (where ${value} is null) as nulls,
         count(*) filter (where not isfinite(${value})) as infinite
       from ${touched}`,
    );
    if (bounds === undefined || Number(bounds.infinite) > 0) return null;
    const column = `${alias}.${quoteIdentifier(floor.column)}`;
    const within =
      bounds.low === null || bounds.high === null
        ? []
        : [
            `(${column} >= cast('${bounds.low}' as ${type}) and ${column} < cast('${bounds.high}' as ${type}))`,
          ];
    ranges.push(...within, ...(Number(bounds.nulls) > 0 ? [`${column} is null`] : []));
  }
  return ranges.length === 0 ? "false" : `(${ranges.join(" or ")})`;
}
