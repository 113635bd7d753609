import { ensureRawTables } from "../../src/ingest/raw-tables.ts";
import { migrate } from "../../src/warehouse/migrate.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";

const open = new Set<Warehouse>();

/**
 * The one warehouse fixture: a fresh in-memory warehouse, migrated, with
 * empty raw tables. Every warehouse it made is closed after the test file
 * (tests/support/setup.ts), also when it was made inside beforeAll, where an
 * afterAll of its own would never run.
 *
 * @example
 * const warehouse = await fixtureWarehouse();
 * await insertRaw(warehouse, "orders", [{ order_id: "1", … }]);
 */
export async function fixtureWarehouse(
  options: { readonly threads?: number } = {},
): Promise<Warehouse> {
  const warehouse = await Warehouse.open(":memory:", options);
  open.add(warehouse);
  await migrate(warehouse);
  await ensureRawTables(warehouse);
  return warehouse;
}

/** Closes every warehouse `fixtureWarehouse` made so far. */
export function closeFixtureWarehouses(): void {
  for (const warehouse of open) warehouse.close();
  open.clear();
}

/** Opens a warehouse file read-only for assertions, and closes it again (one writer per file). */
export async function inspectWarehouse<T>(
  path: string,
  read: (warehouse: Warehouse) => Promise<T>,
): Promise<T> {
  const warehouse = await Warehouse.open(path, { readOnly: true });
  try {
    return await read(warehouse);
  } finally {
    warehouse.close();
  }
}
