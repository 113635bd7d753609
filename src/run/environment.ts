import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log/logger.ts";
import { createObjectStore } from "../storage/create-object-store.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { migrate } from "../warehouse/migrate.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { acquireWarehouse } from "../warehouse/warehouse-lock.ts";

/** The open resources of a command: warehouse (migrated) and object store. */
export interface Environment {
  readonly settings: Settings;
  readonly warehouse: Warehouse;
  readonly store: ObjectStore;
  readonly logger: Logger;
  close(): void;
}

/**
 * Takes the warehouse of `settings` for writing (waiting for another
 * holder up to `lockTimeoutSeconds`), migrates it, and connects to the bucket.
 * `purpose` names the holder in lock messages (a job name or a command).
 */
export async function openEnvironment(
  settings: Settings,
  logger: Logger,
  purpose: string,
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
): Promise<Environment> {
  const locked = await acquireWarehouse(
    settings.warehouse,
    {
      memoryLimit: settings.memoryLimit,
      threads: settings.threads,
      tempDirectory: settings.tempDirectory,
      logger,
    },
    purpose,
    settings.lockTimeoutSeconds,
    logger,
  );
  try {
    const applied = await migrate(locked.warehouse);
    if (applied.length > 0) logger.info({ migrations: applied }, "warehouse migrated");
  } catch (error) {
    locked.release();
    throw error;
  }
  const store = createObjectStore(settings, credentials);
  return {
    settings,
    warehouse: locked.warehouse,
    store,
    logger,
    close() {
      store.close();
      locked.release();
    },
  };
}
