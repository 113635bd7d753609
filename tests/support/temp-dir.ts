import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/**
 * A fresh folder, removed when the test process exits. An exit hook rather
 * than afterAll: vitest never runs an afterAll registered inside beforeAll,
 * and folders made there would leak.
 */
export function tempDir(label = "duckmart"): string {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  if (made.size === 0) {
    process.once("exit", () => {
      for (const folder of made) rmSync(folder, { recursive: true, force: true });
    });
  }
  made.add(dir);
  return dir;
}
