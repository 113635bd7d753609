import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manifestKey, type PublishManifest, parseManifest } from "../../src/publish/manifest.ts";
import type { ObjectStore } from "../../src/storage/object-store.ts";
import { quoteLiteral, Warehouse } from "../../src/warehouse/warehouse.ts";

/** The manifest readers follow now, with its exact bytes. */
export async function currentManifest(
  store: ObjectStore,
  prefix: string,
): Promise<{ readonly bytes: Buffer; readonly manifest: PublishManifest }> {
  const bytes = await store.read(manifestKey(prefix));
  return { bytes, manifest: parseManifest(bytes, manifestKey(prefix)) };
}

/**
 * Checks that every file a manifest names is in the bucket with the size and
 * SHA-256 the manifest gives, and returns the problems (empty when whole).
 */
export async function incompleteFiles(
  store: ObjectStore,
  manifest: PublishManifest,
): Promise<string[]> {
  const problems: string[] = [];
  for (const mart of Object.values(manifest.marts)) {
    for (const file of mart.files) {
      const bytes = await store.read(file.key).catch(() => undefined);
      if (!bytes) problems.push(`${file.key}: missing`);
      else if (bytes.length !== file.bytes) problems.push(`${file.key}: ${bytes.length} bytes`);
      else if (createHash("sha256").update(bytes).digest("hex") !== file.sha256)
        problems.push(`${file.key}: sha256 differs`);
    }
  }
  return problems;
}

/**
 * The values a manifest publishes, per mart: every row of its Parquet files
 * in a canonical order. Two publishes of the same marts compare equal with
 * `toEqual` even when their Parquet bytes differ (SPEC §5).
 */
export async function publishedValues(
  store: ObjectStore,
  manifest: PublishManifest,
): Promise<Record<string, unknown[]>> {
  const dir = mkdtempSync(join(tmpdir(), "published-"));
  const duck = await Warehouse.open(":memory:");
  try {
    const values: Record<string, unknown[]> = {};
    for (const [name, mart] of Object.entries(manifest.marts)) {
      const paths = await Promise.all(
        mart.files.map(async (file, index) => {
          const path = join(dir, `${name}-${index}.parquet`);
          writeFileSync(path, await store.read(file.key));
          return quoteLiteral(path);
        }),
      );
      values[name] =
        paths.length === 0
          ? []
          : await duck.all(`select * from read_parquet([${paths.join(", ")}]) order by all`);
    }
    return values;
  } finally {
    duck.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
