import { z } from "zod";
import { PublishError } from "../util/errors.ts";

/** Version of the manifest layout; bumped when a reader would misread a newer one. */
export const manifestFormatVersion = 1;

const publishedFileSchema = z.object({
  key: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().nonnegative(),
});

const publishedMartSchema = z.object({
  rows: z.number().int().nonnegative(),
  keys: z.array(z.string()).readonly(),
  columns: z.array(z.object({ name: z.string(), type: z.string() }).readonly()).readonly(),
  files: z.array(publishedFileSchema.readonly()).readonly(),
});

/**
 * `{publishPrefix}/_manifest.json`: what a reader needs to find, check and
 * type one published run. Fields beyond SPEC §4 (`format_version`,
 * `publish_started_at`, per-file `rows`) are additions the SPEC allows.
 */
export const manifestSchema = z.object({
  format_version: z.literal(manifestFormatVersion),
  run_id: z.string().min(1),
  /** When the manifest was written (UTC, ISO 8601 with `Z`). */
  finished_at: z.iso.datetime(),
  /** When this publish started uploading (UTC); housekeeping uses it to date runs. */
  publish_started_at: z.iso.datetime(),
  /** Latest event time in the data (SPEC §2), a local timestamp without zone; null with no staged rows. */
  data_as_of: z.string().nullable(),
  marts: z.record(z.string(), publishedMartSchema.readonly()).readonly(),
});

/** One published Parquet object. */
export type PublishedFile = Readonly<z.infer<typeof publishedFileSchema>>;

/** One mart of a published run. */
export type PublishedMart = Readonly<z.infer<typeof publishedMartSchema>>;

/** The manifest of one published run. */
export type PublishManifest = Readonly<z.infer<typeof manifestSchema>>;

/** Key of the manifest readers follow. */
export function manifestKey(publishPrefix: string): string {
  return `${publishPrefix}/_manifest.json`;
}

/** Key of the kept copy of one run's manifest, written after it became current. */
export function runManifestKey(publishPrefix: string, runId: string): string {
  return `${publishPrefix}/_runs/${runId}.json`;
}

/** Folder (key prefix, with the trailing slash) holding one mart's files of one run. */
export function martRunPrefix(publishPrefix: string, mart: string, runId: string): string {
  return `${publishPrefix}/${mart}/run_id=${runId}/`;
}

/** Key of the `index`-th file (from 0) of a mart in a run: `part-000.parquet`, … */
export function martPartKey(
  publishPrefix: string,
  mart: string,
  runId: string,
  index: number,
): string {
  return `${martRunPrefix(publishPrefix, mart, runId)}part-${String(index).padStart(3, "0")}.parquet`;
}

/**
 * Validates a manifest read from the store. `where` names the object in the
 * error, so a hand-edited or truncated manifest is reported by key.
 */
export function parseManifest(body: string | Uint8Array, where: string): PublishManifest {
  let document: unknown;
  try {
    document = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
  } catch (error) {
    throw new PublishError(`manifest ${where} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = manifestSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") || "(root)";
    throw new PublishError(
      `manifest ${where} is not a duckmart manifest: ${path}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** Serialises a manifest the way it is published: stable key order, two-space indent. */
export function serializeManifest(manifest: PublishManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Formats a data timestamp as SPEC §1 reads them: a local time without zone,
 * `2018-01-31T23:59:10` (fraction kept when present). A Date from DuckDB holds
 * the wall-clock time in its UTC fields.
 */
export function formatLocalTimestamp(value: Date | string | null): string | null {
  if (value === null) return null;
  if (typeof value === "string") return value;
  if (Number.isNaN(value.getTime())) throw new PublishError("data_as_of is an invalid date");
  return value
    .toISOString()
    .replace(/Z$/, "")
    .replace(/\.000$/, "");
}
