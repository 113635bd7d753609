import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Global setup of the tiers that start the real CLI (vitest.config.ts): builds
 * it from the sources under test first (`npm run build`), so that
 * bin/duckmart.js runs them as the bundle, quickly, rather than through tsx.
 * Unchanged sources make it write nothing.
 */
export default function buildCli(): void {
  execFileSync(process.execPath, ["scripts/build-cli.js"], {
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    stdio: "inherit",
  });
}
