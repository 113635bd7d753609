import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/**
 * A fresh folder, removed after the test file that made it
 * (removeTempDirs, registered by tests/support/setup.ts).
 */
export function tempDir(label = "duckmart"): string {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  made.add(dir);
  return dir;
}

/**
 * Removes every folder tempDir made. Called from the setup file's afterAll, not
 * from a process exit hook: vitest ends its forked workers with a signal, so
 * an exit hook never ran and each `npm test` left about 1.5 GB in the temp
 * folder.
 */
export function removeTempDirs(): void {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
  made.clear();
}
