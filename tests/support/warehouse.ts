import { Warehouse } from "../../src/warehouse/warehouse.ts";

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
