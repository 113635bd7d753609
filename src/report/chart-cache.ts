import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { packagePath } from "../util/package-path.ts";

/** Rendered chart SVGs by key, so a run that rebuilt no mart does not draw its charts again. */
export interface ChartCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, svg: string): Promise<void>;
  /** Removes every entry not in `keep` (the keys of the report just written). */
  retain(keep: ReadonlySet<string>): Promise<void>;
}

/**
 * A chart cache in a folder, one `<key>.svg` per chart. Reads that fail
 * are misses and writes are atomic (temporary file, then rename): a broken
 * cache costs a redraw, never a wrong chart.
 */
export function directoryChartCache(folder: string): ChartCache {
  const path = (key: string) => join(folder, `${key}.svg`);
  return {
    async get(key) {
      try {
        return await readFile(path(key), "utf8");
      } catch {
        return undefined;
      }
    },
    async set(key, svg) {
      await mkdir(folder, { recursive: true });
      const temporary = `${path(key)}.${process.pid}.tmp`;
      await writeFile(temporary, svg);
      await rename(temporary, path(key));
    },
    async retain(keep) {
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        return;
      }
      await Promise.all(
        names
          .filter((name) => !keep.has(name.replace(/\.svg$/, "")))
          .map((name) => rm(join(folder, name), { force: true })),
      );
    },
  };
}

let codeFingerprint: Promise<string> | undefined;

/**
 * A hash of everything that shapes a chart besides its data: the chart
 * code, the report's SQL and the Vega versions. Any edit to them changes
 * every key, so a stale drawing can never be served after an upgrade.
 */
export function chartCodeFingerprint(): Promise<string> {
  codeFingerprint ??= (async () => {
    const hash = createHash("sha256");
    for (const file of ["report-charts.ts", "render-chart-svg.ts", "chart-cache.ts"]) {
      hash.update(await readFile(packagePath("src/report", file)));
    }
    const queries = packagePath("src/report/queries");
    for (const name of (await readdir(queries)).sort()) {
      hash.update(name).update(await readFile(join(queries, name)));
    }
    for (const name of ["vega", "vega-lite"]) {
      const manifest = packagePath("node_modules", name, "package.json");
      hash.update(await readFile(manifest).catch(() => Buffer.from(name)));
    }
    return hash.digest("hex");
  })();
  return codeFingerprint;
}

/** The cache key of one chart drawn from marts with these data fingerprints. */
export async function chartCacheKey(chartId: string, inputs: readonly string[]): Promise<string> {
  return createHash("sha256")
    .update(await chartCodeFingerprint())
    .update("\0")
    .update(chartId)
    .update("\0")
    .update(inputs.join("\0"))
    .digest("hex")
    .slice(0, 32);
}
