import { randomBytes } from "node:crypto";

/**
 * A new run id: UTC start time then random hex, e.g. `20260131T235910Z-4f2a9c`.
 * Ids sort by start time and are safe in object keys and file names.
 */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}
