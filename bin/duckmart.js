#!/usr/bin/env node
// Entry point. Runs the CLI bundled into dist/cli/ by `npm run build` (which
// `npm ci` runs), so no TypeScript is compiled at start. When that build is
// missing, or any file it was made from has changed since (dist/cli/build.json
// lists them with their size and mtime), it runs the TypeScript itself
// through tsx instead: slower to start, never stale.
import { readFileSync, statSync } from "node:fs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

if (builtFromCurrentSources()) {
  await import("../dist/cli/main.js");
} else {
  if (process.stderr.isTTY) {
    process.stderr.write(
      "duckmart: dist/cli is missing or older than the sources, so they run through tsx (slow to start; `npm run build` to fix)\n",
    );
  }
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}

/** Whether every input listed in dist/cli/build.json has the size and mtime it had when built. */
function builtFromCurrentSources() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL("../dist/cli/build.json", import.meta.url), "utf8"));
  } catch {
    return false;
  }
  for (const [path, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    const now = statSync(new URL(`../${path}`, import.meta.url), { throwIfNoEntry: false });
    if (now?.mtimeMs !== mtimeMs || now.size !== size) return false;
  }
  return true;
}
