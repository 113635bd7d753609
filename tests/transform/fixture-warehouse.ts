import { type Settings, settingsSchema } from "../../src/config/settings.ts";
import type { SourceName } from "../../src/sources/built-in-sources.ts";
import {
  runTransforms,
  type TransformOptions,
  type TransformResult,
} from "../../src/transform/run-transforms.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";

// The one warehouse fixture lives in tests/support/warehouse.ts.
export { fixtureWarehouse } from "../support/warehouse.ts";

/** A raw row as a test writes it: the source's columns, plus optional lineage overrides. */
export type RawRow = Record<string, string | number | null>;

/** Where fixture rows pretend to come from. */
export interface FixtureFile {
  readonly key?: string;
  /** The object's last-modified time, e.g. "2021-01-01 00:00:00". */
  readonly modified?: string;
}

/** Settings with defaults (base currency RUB, margin 1) and the given overrides. */
export function testSettings(overrides: Record<string, unknown> = {}): Settings {
  return settingsSchema.parse(overrides);
}

const rowCounters = new WeakMap<Warehouse, Map<string, number>>();

/**
 * Inserts rows into raw.<source> as one object would: `_file_row` counts up
 * per object key in insertion order, like ingest numbers the rows of a file.
 */
export async function insertRaw(
  warehouse: Warehouse,
  source: SourceName | "order_lines",
  rows: readonly RawRow[],
  file: FixtureFile = {},
): Promise<void> {
  const key = file.key ?? `raw/${source}/fixture.csv`;
  const modified = file.modified ?? "2000-01-01 00:00:00";
  const counters = rowCounters.get(warehouse) ?? new Map<string, number>();
  rowCounters.set(warehouse, counters);
  for (const row of rows) {
    const position = (counters.get(key) ?? 0) + 1;
    counters.set(key, position);
    const values: Record<string, string | number | null> = {
      _file_key: key,
      _file_row: position,
      _file_modified: modified,
      _run_id: "fixture",
      ...row,
    };
    const columns = Object.keys(values);
    const placeholders = columns.map((_, i) => `$${i + 1}`).join(", ");
    await warehouse.run(
      `insert into raw.${source} (${columns.map((c) => `"${c}"`).join(", ")}) values (${placeholders})`,
      Object.values(values),
    );
  }
}

/** Runs every model (or the given selection) and fails the test on any model error. */
export async function buildAll(
  warehouse: Warehouse,
  settings: Settings = testSettings(),
  options: Partial<TransformOptions> = {},
): Promise<TransformResult> {
  const result = await runTransforms(warehouse, settings, {
    runId: `run-${Date.now()}`,
    ...options,
  });
  const failed = result.outcomes.find((outcome) => outcome.error !== undefined);
  if (failed) throw failed.error;
  return result;
}

/** Rows of a query, with DATE/TIMESTAMP values as ISO text so that expectations read naturally. */
export async function query(warehouse: Warehouse, sql: string): Promise<Row[]> {
  const rows = await warehouse.all(sql);
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        value instanceof Date ? isoText(value) : value,
      ]),
    ),
  );
}

/** "2021-03-01" for midnight, else "2021-03-01 10:00:00" (fractions kept). */
function isoText(value: Date): string {
  const text = value.toISOString().replace("T", " ").replace("Z", "");
  if (text.endsWith(" 00:00:00.000")) return text.slice(0, 10);
  return text.endsWith(".000") ? text.slice(0, -4) : text;
}
