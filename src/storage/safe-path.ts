import { createHash } from "node:crypto";
import { isAbsolute, join, relative, resolve } from "node:path";

/**
 * Maps an object key to a file path inside `folder` that cannot escape it,
 * whatever the key holds (`../`, absolute paths, NUL bytes, odd unicode).
 * The name keeps a readable tail of the key and a hash of the whole key, so
 * two keys never share a path.
 */
export function localPathForKey(folder: string, key: string): string {
  const digest = createHash("sha256").update(key).digest("hex").slice(0, 16);
  const tail = (key.split("/").pop() ?? "")
    .normalize("NFKC")
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^\.+/, "_")
    .slice(-80);
  const path = join(resolve(folder), `${digest}-${tail}`);
  assertInside(folder, path);
  return path;
}

/** Throws when `path` is not strictly inside `folder`. */
export function assertInside(folder: string, path: string): void {
  const rel = relative(resolve(folder), resolve(path));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new Error(`path ${path} escapes ${folder}`);
  }
}
