import type { Settings } from "../config/settings.ts";
import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";
import type { Project } from "./project.ts";
import { fingerprint } from "./stable-hash.ts";

/** What a model's version hashes, kept so a version can be explained later. */
export interface ModelVersion {
  readonly version: string;
  /** Normalised SQL, or `code:<codeVersion>` for a code model. */
  readonly query: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly parents: Readonly<Record<string, string>>;
}

/**
 * Versions every model: the hash of its normalised query, its kind, the
 * values of the settings it reads and its parents' versions, so an edit
 * upstream changes every version downstream. Header edits (descriptions,
 * tests) change nothing because the normalised query drops comments.
 */
export function computeVersions(project: Project, settings: Settings): Map<string, ModelVersion> {
  const versions = new Map<string, ModelVersion>();
  for (const name of project.graph.order) {
    const model = project.models.get(name);
    if (model === undefined) continue;
    const query = model.type === "sql" ? model.normalisedSql : `code:${model.codeVersion}`;
    const settingValues = Object.fromEntries(
      model.settings.map((setting) => [setting, settings[setting]]),
    );
    const parents = Object.fromEntries(
      model.parents.map((parent) => [parent, versions.get(parent)?.version ?? "missing"]),
    );
    const version = fingerprint({
      kind: model.metadata.kind,
      query,
      settings: settingValues,
      parents,
    });
    versions.set(name, { version, query, settings: settingValues, parents });
  }
  return versions;
}

/** The state of one raw source that models reading it depend on. */
export interface SourceFingerprint {
  readonly source: string;
  readonly fingerprint: string;
  /** Objects recorded for the source in meta.loaded_files. */
  readonly files: number;
  /** Rows in raw.<source>. */
  readonly rows: number;
}

/**
 * Fingerprints raw sources from what ingest recorded: the (key, etag,
 * last_modified) of every object in meta.loaded_files for the source, plus
 * the raw table's row count, which also catches rows written without a
 * manifest entry (tests, manual inserts).
 */
export async function sourceFingerprints(
  session: SqlSession,
  sourceNames: Iterable<string>,
): Promise<Map<string, SourceFingerprint>> {
  const names = [...new Set(sourceNames)].sort();
  const result = new Map<string, SourceFingerprint>();
  if (names.length === 0) return result;
  const files = await session.all<{
    source: string;
    key: string;
    etag: string;
    last_modified: Date;
  }>("select source, key, etag, last_modified from meta.loaded_files order by source, key");
  const tables = new Set(
    (
      await session.all<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'raw'",
      )
    ).map((row) => row.table_name),
  );
  for (const source of names) {
    const own = files
      .filter((file) => file.source === source)
      .map((file) => [file.key, file.etag, file.last_modified.toISOString()]);
    let rows = 0;
    if (tables.has(source)) {
      const [count] = await session.all<{ n: number }>(
        `select count(*) as n from raw.${quoteIdentifier(source)}`,
      );
      rows = count?.n ?? 0;
    }
    result.set(source, {
      source,
      fingerprint: fingerprint({ files: own, rows }),
      files: own.length,
      rows,
    });
  }
  return result;
}
