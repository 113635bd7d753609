/**
 * duckmart's public API for TypeScript users: typed read-only access to the
 * analyst database, settings, and the building blocks the CLI runs.
 *
 * @example
 * import { openWarehouse } from "duckmart";
 * const db = openWarehouse();
 * const champions = await db.selectFrom("mart_rfm").selectAll().where("segment", "=", "champions").execute();
 */
export { loadSettings } from "./config/load-settings.ts";
export type { Settings } from "./config/settings.ts";
export type { GenerateOptions, GenerationSummary } from "./generate/generate-exports.ts";
export { defaultGenerateOptions, generateExports } from "./generate/generate-exports.ts";
export type { IngestSummary } from "./ingest/ingest.ts";
export { ingest } from "./ingest/ingest.ts";
export type { PublishedFile, PublishedMart, PublishManifest } from "./publish/manifest.ts";
export { parseManifest } from "./publish/manifest.ts";
export type { GuardCheck, GuardCheckName, GuardStatus } from "./publish/publish-guards.ts";
export { checkPublishGuards, describeBreaches } from "./publish/publish-guards.ts";
export { publishRun } from "./publish/publish-run.ts";
export type { ReportData, RunReport, WrittenRunReport } from "./report/index.ts";
export {
  buildRunReport,
  readReportData,
  renderRunReport,
  writeRunReport,
} from "./report/index.ts";
export type { JobDefinition, JobStep, RunContext } from "./run/job.ts";
export { analystDatabasePath, refreshAnalystDatabase } from "./serve/analyst-database.ts";
export { openWarehouse } from "./serve/open-warehouse.ts";
export { queryCommand } from "./serve/query-command.ts";
export { builtInSources } from "./sources/built-in-sources.ts";
export { resolveSources } from "./sources/resolve-sources.ts";
export type { ObjectInfo, ObjectStore } from "./storage/object-store.ts";
export { S3ObjectStore } from "./storage/s3-object-store.ts";
export * from "./util/errors.ts";
export { DuckDBDialect } from "./warehouse/kysely/duckdb-dialect.ts";
export type * from "./warehouse/kysely/warehouse-database.ts";
export { Warehouse } from "./warehouse/warehouse.ts";
