import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder holding duckmart's package.json, found by walking up from this
 * module: `src/util/` when the TypeScript runs (tsx, vitest), `dist/cli/` when
 * the built CLI does (`scripts/build-cli.js` bundles the code there). Both
 * answer the same root, which a path relative to `import.meta.url` would not.
 */
const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * A path inside the package: the files duckmart reads beside its code (SQL,
 * the report's queries, package manifests) are found from here.
 *
 * @example
 * readFileSync(packagePath("src/report/queries", "runs.sql"), "utf8");
 */
export function packagePath(...segments: readonly string[]): string {
  return join(packageRoot, ...segments);
}

function findPackageRoot(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, "package.json"))) return folder;
    if (dirname(folder) === folder) {
      throw new Error(`no package.json above ${start}: duckmart's files are not where it runs`);
    }
  }
}
