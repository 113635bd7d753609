import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log/logger.ts";
import { createObjectStore } from "../storage/create-object-store.ts";
import type { S3ObjectStore } from "../storage/s3-object-store.ts";
import { migrate } from "../warehouse/migrate.ts";
import { Warehouse } from "../warehouse/warehouse.ts";

/** The open resources of a command: warehouse (migrated) and object store. */
export interface Environment {
  readonly settings: Settings;
  readonly warehouse: Warehouse;
  readonly store: S3ObjectStore;
  readonly logger: Logger;
  close(): void;
}

/** Opens the warehouse of `settings` for writing, migrates it, and connects to the bucket. */
export async function openEnvironment(
  settings: Settings,
  logger: Logger,
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
): Promise<Environment> {
  const warehouse = await Warehouse.open(settings.warehouse, {
    memoryLimit: settings.memoryLimit,
    threads: settings.threads,
    tempDirectory: settings.tempDirectory,
    logger,
  });
  try {
    const applied = await migrate(warehouse);
    if (applied.length > 0) logger.info({ migrations: applied }, "warehouse migrated");
  } catch (error) {
    warehouse.close();
    throw error;
  }
  const store = createObjectStore(settings, credentials);
  return {
    settings,
    warehouse,
    store,
    logger,
    close() {
      store.destroy();
      warehouse.close();
    },
  };
}
