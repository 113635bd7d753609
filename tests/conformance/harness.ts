// Loads raw rows into a fresh warehouse, runs the SQL models, reads back the
// marts and staging tables and compares them with the reference
// implementation, value by value.
import { settingsSchema } from "../../src/config/settings.ts";
import { codeModels } from "../../src/transform/code-models/index.ts";
import { runTransforms } from "../../src/transform/run-transforms.ts";
import { type Params, quoteIdentifier, type Warehouse } from "../../src/warehouse/warehouse.ts";
import { fixtureWarehouse } from "../support/warehouse.ts";
import {
  type ColumnKind,
  duckdbTypeOfKind,
  type MartName,
  type MartRow,
  martNames,
  martSpecs,
  type OutValue,
} from "./reference/columns.ts";
import { type Reference, reference } from "./reference/index.ts";
import { rfm } from "./reference/rfm.ts";
import type { RawData, RawRow, ReferenceSettings, SourceName } from "./reference/staging.ts";

export type { RawData, RawRow } from "./reference/staging.ts";

export const sourceNames: readonly SourceName[] = [
  "visits",
  "orders",
  "events",
  "costs",
  "fx_rates",
];

/** Relative tolerance for DOUBLE columns (sums may be added in another order). */
export const relativeTolerance = 1e-9;

/** Inserts every raw row, in batches, into raw.<source>; missing columns are null. */
export async function loadRaw(warehouse: Warehouse, raw: RawData): Promise<void> {
  for (const source of sourceNames) {
    const rows = raw[source];
    if (rows.length === 0) continue;
    const columns = (
      await warehouse.all<{ column_name: string }>(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = $1 order by ordinal_position",
        [source],
      )
    )
      .map((row) => row.column_name)
      .filter((column) => column !== "_run_id");
    const batch = Math.max(1, Math.floor(4000 / columns.length));
    for (let offset = 0; offset < rows.length; offset += batch) {
      const slice = rows.slice(offset, offset + batch);
      const params: Params = slice.flatMap((row) => columns.map((column) => row[column] ?? null));
      const tuples = slice.map(
        (_, i) =>
          `(${columns.map((_c, j) => `$${i * columns.length + j + 1}`).join(", ")}, 'conformance')`,
      );
      await warehouse.run(
        `insert into raw.${quoteIdentifier(source)} (${[...columns, "_run_id"].map(quoteIdentifier).join(", ")}) values ${tuples.join(", ")}`,
        params,
      );
    }
  }
}

/** Builds every mart checked here and its ancestors; throws on a failed model. */
export async function buildMarts(
  warehouse: Warehouse,
  settings: ReferenceSettings,
  sqlDir?: string,
): Promise<void> {
  const result = await runTransforms(
    warehouse,
    settingsSchema.parse({
      baseCurrency: settings.baseCurrency,
      margin: settings.margin,
      assumedCac: settings.assumedCac ?? null,
      riskPAlive: settings.riskPAlive ?? 0.5,
      clvHorizonDays: settings.clvHorizonDays ?? 90,
      maxClusters: settings.maxClusters ?? 6,
    }),
    {
      runId: "conformance",
      codeModels,
      ...(sqlDir === undefined ? {} : { sqlDir }),
      select: [
        ...martNames.map((name) => `+${name}`),
        ...sourceNames.map((source) => `+stg_${source}_quarantine`),
      ],
      fullRefresh: true,
    },
  );
  const failed = result.outcomes.find((outcome) => outcome.error !== undefined);
  if (failed) throw failed.error;
}

/** Columns of a relation with their DuckDB types, in order. */
async function describe(warehouse: Warehouse, relation: string): Promise<[string, string][]> {
  const rows = await warehouse.all<{ column_name: string; column_type: string }>(
    `describe select * from ${relation}`,
  );
  return rows.map((row) => [row.column_name, row.column_type]);
}

/** The select expression that reads a column in the reference's representation. */
function readExpression(column: string, type: string): string {
  const name = quoteIdentifier(column);
  if (type === "DATE") return `strftime(${name}, '%Y-%m-%d') as ${name}`;
  if (type.startsWith("TIMESTAMP")) return `epoch_us(${name}) as ${name}`;
  if (type === "BIGINT" || type === "INTEGER" || type === "HUGEINT")
    return `cast(${name} as double) as ${name}`;
  return name;
}

/** Every row of a relation, dates as text and timestamps as microseconds. */
export async function readRelation(warehouse: Warehouse, relation: string): Promise<MartRow[]> {
  const columns = await describe(warehouse, relation);
  const select = columns.map(([column, type]) => readExpression(column, type)).join(", ");
  return (await warehouse.all(`select ${select} from ${relation}`)) as MartRow[];
}

/** Absolute slack for values that should be 0 but come out of a float subtraction. */
export const absoluteTolerance = 1e-12;

function sameNumber(a: number, b: number): boolean {
  if (a === b) return true;
  const difference = Math.abs(a - b);
  return (
    difference <= relativeTolerance * Math.max(Math.abs(a), Math.abs(b)) ||
    difference <= absoluteTolerance
  );
}

function sameValue(kind: ColumnKind, actual: unknown, expected: OutValue): boolean {
  if (actual === null || actual === undefined || expected === null)
    return (actual ?? null) === expected;
  if (kind === "double")
    return typeof actual === "number" && sameNumber(actual, expected as number);
  return actual === expected;
}

function keyOf(row: MartRow, key: readonly string[]): string {
  return JSON.stringify(key.map((column) => row[column] ?? null));
}

/** Differences between a mart's rows and the reference rows, as readable lines (empty when equal). */
export function compareRows(
  name: MartName,
  actual: readonly MartRow[],
  expected: readonly MartRow[],
  limit = 20,
): string[] {
  const spec = martSpecs[name];
  const differences: string[] = [];
  const actualByKey = new Map<string, MartRow>();
  for (const row of actual) {
    const key = keyOf(row, spec.key);
    if (actualByKey.has(key)) differences.push(`${name}: duplicate row ${key}`);
    actualByKey.set(key, row);
  }
  const expectedKeys = new Set<string>();
  for (const row of expected) {
    const key = keyOf(row, spec.key);
    expectedKeys.add(key);
    const found = actualByKey.get(key);
    if (found === undefined) {
      differences.push(`${name}: missing row ${key}: ${JSON.stringify(row)}`);
      continue;
    }
    for (const [column, kind] of spec.columns) {
      if (!sameValue(kind, found[column], row[column] ?? null)) {
        differences.push(
          `${name} ${key}.${column}: sql ${JSON.stringify(found[column])}, reference ${JSON.stringify(row[column])}`,
        );
      }
    }
  }
  for (const [key, row] of actualByKey) {
    if (!expectedKeys.has(key))
      differences.push(`${name}: extra row ${key}: ${JSON.stringify(row)}`);
  }
  if (differences.length > limit)
    return [...differences.slice(0, limit), `… and ${differences.length - limit} more`];
  return differences;
}

/** Column names and types of a mart against SPEC §3. */
async function compareSchema(warehouse: Warehouse, name: MartName): Promise<string[]> {
  const actual = await describe(warehouse, `main.${name}`);
  const expected = martSpecs[name].columns.map(([column, kind]) => [
    column,
    duckdbTypeOfKind[kind],
  ]);
  return JSON.stringify(actual) === JSON.stringify(expected)
    ? []
    : [`${name}: columns ${JSON.stringify(actual)}, SPEC ${JSON.stringify(expected)}`];
}

const lineage = (row: RawRow | MartRow) => `${row._file_key}#${row._file_row}`;

/** Staged and quarantined rows (by lineage), reasons, superseded counts and FX revenue. */
async function compareStaging(warehouse: Warehouse, ref: Reference): Promise<string[]> {
  const differences: string[] = [];
  const outcomes = {
    visits: ref.staged.visits,
    orders: ref.staged.orders,
    events: ref.staged.events,
    costs: ref.staged.costs,
    fx_rates: ref.staged.fxRates,
  } as const;
  for (const source of sourceNames) {
    const outcome = outcomes[source];
    const staged = await warehouse.all<MartRow>(
      `select _file_key, cast(_file_row as double) as _file_row from staging.stg_${source}`,
    );
    const actualStaged = new Set(staged.map(lineage));
    const expectedStaged = new Set(outcome.stagedRaw.map(lineage));
    const extra = [...actualStaged].filter((row) => !expectedStaged.has(row));
    const missing = [...expectedStaged].filter((row) => !actualStaged.has(row));
    if (extra.length > 0 || missing.length > 0 || staged.length !== actualStaged.size) {
      differences.push(
        `stg_${source}: ${staged.length} rows; not staged by the reference: ${extra.slice(0, 5).join(", ")}; missing: ${missing.slice(0, 5).join(", ")}`,
      );
    }
    const quarantined = await warehouse.all<MartRow>(
      `select reason, _file_key, cast(_file_row as double) as _file_row from staging.stg_${source}_quarantine`,
    );
    const actualReasons = new Map(quarantined.map((row) => [lineage(row), row.reason]));
    const expectedReasons = new Map(outcome.quarantined.map((q) => [lineage(q.row), q.reason]));
    for (const [row, reason] of expectedReasons) {
      if (actualReasons.get(row) !== reason)
        differences.push(
          `stg_${source}_quarantine ${row}: sql ${actualReasons.get(row) ?? "not quarantined"}, reference ${reason}`,
        );
    }
    for (const [row, reason] of actualReasons) {
      if (!expectedReasons.has(row))
        differences.push(
          `stg_${source}_quarantine ${row}: sql ${reason}, reference not quarantined`,
        );
    }
    const [superseded] = await warehouse.all<{ n: number }>(
      `select count(*) as n from staging.stg_${source}_classified where row_status = 'superseded'`,
    );
    if (superseded?.n !== outcome.superseded)
      differences.push(
        `stg_${source}: superseded sql ${superseded?.n}, reference ${outcome.superseded}`,
      );
  }
  const revenue = new Map(
    (
      await warehouse.all<{ order_id: string; revenue: number }>(
        "select order_id, revenue from staging.stg_orders",
      )
    ).map((row) => [row.order_id, row.revenue]),
  );
  for (const order of ref.staged.orders.staged) {
    const actual = revenue.get(order.orderId);
    if (actual !== undefined && !sameNumber(actual, order.revenue))
      differences.push(
        `stg_orders ${order.orderId}.revenue: sql ${actual}, reference ${order.revenue}`,
      );
  }
  return differences;
}

export interface ConformanceResult {
  readonly reference: Reference;
  /** Mart rows as the SQL models built them. */
  readonly marts: Readonly<Record<MartName, MartRow[]>>;
  /** Every difference found, one line each; empty when the SQL conforms. */
  readonly differences: readonly string[];
  /** RFM m_score differences that vanish when ranking on the SQL's own monetary sums. */
  readonly floatTies: readonly string[];
}

/**
 * Runs the SQL models and the reference over the same raw rows and compares
 * staging, mart schemas and every mart row by row.
 */
export async function checkConformance(
  raw: RawData,
  settings: ReferenceSettings = { baseCurrency: "RUB", margin: 1 },
  options: { readonly sqlDir?: string } = {},
): Promise<ConformanceResult> {
  const warehouse = await fixtureWarehouse({ threads: 2 });
  try {
    await loadRaw(warehouse, raw);
    // CONFORMANCE_SQL_DIR runs the suite against another SQL project (e.g. a mutated copy).
    await buildMarts(warehouse, settings, options.sqlDir ?? process.env.CONFORMANCE_SQL_DIR);
    const marts = {} as Record<MartName, MartRow[]>;
    for (const name of martNames) marts[name] = await readRelation(warehouse, `main.${name}`);
    const clv = await readRelation(warehouse, "main.mart_clv");
    const ref = reference(raw, settings, {
      clv: new Map(
        clv.map((row) => [
          row.user_id as string,
          { pAlive: row.p_alive as number, predictedClv: row.predicted_clv as number | null },
        ]),
      ),
      clusters: new Map(
        marts.mart_clusters.map((row) => [row.user_id as string, row.cluster as number]),
      ),
    });
    const differences: string[] = [
      ...(await compareStaging(warehouse, ref)),
      ...ref.clusterCheck.differences,
    ];
    const floatTies: string[] = [];
    for (const name of martNames) {
      differences.push(...(await compareSchema(warehouse, name)));
      let expected = ref.marts[name];
      if (name === "mart_rfm") {
        // Buyers whose exact revenue sums tie may differ in the last bit
        // between two summation orders; rank on the SQL's monetary (checked
        // against the reference's with the tolerance) to test the formula.
        const sqlMonetary = new Map(
          marts[name].map((row) => [row.user_id as string, row.monetary as number]),
        );
        const own = compareRows(name, marts[name], expected);
        expected = rfm(ref.model, sqlMonetary).map((row) => ({
          ...row,
          monetary: ref.model.buyers.get(row.user_id as string)?.revenueTotal ?? null,
        }));
        const rerun = compareRows(name, marts[name], expected);
        if (rerun.length < own.length) floatTies.push(...own);
      }
      differences.push(...compareRows(name, marts[name], expected));
    }
    return { reference: ref, marts, differences, floatTies };
  } finally {
    warehouse.close();
  }
}
