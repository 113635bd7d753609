// Bundles the CLI (src/cli/main.ts and everything it imports from src/ and
// jobs/) into dist/cli/, so that bin/duckmart.js starts without compiling
// TypeScript. `npm run build`; `npm ci` and `npm install` run it as `prepare`,
// and the test tiers that start the CLI run it first (tests/support/build-cli.ts).
//
// dist/cli/build.json records the size and mtime of every file the bundle was
// made from: bin/duckmart.js runs the bundle only while they all still match,
// and the TypeScript through tsx otherwise, so an edit is never run stale.
// Dependencies stay outside the bundle (imported from node_modules at run
// time); files read beside the code are found from the package root
// (src/util/package-path.ts), so the bundle's location does not matter.
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const outdir = join(root, "dist", "cli");
/** Besides the bundled sources, what shapes the output: the compiler settings and this script. */
const settingsFiles = ["tsconfig.json", "scripts/build-cli.js"];

// Sizes and mtimes before esbuild reads the files: an edit made during the
// build then shows as a difference, and the next start falls back to the source.
const before = new Map(
  [...listFiles("src"), ...listFiles("jobs"), ...settingsFiles].map((path) => [path, stamp(path)]),
);

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  bundle: true,
  // Each command's dynamic import becomes a chunk, loaded only when that command runs.
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  outdir,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  // For `node --enable-source-maps bin/duckmart.js …`: stack traces in the TypeScript.
  sourcemap: "linked",
  sourcesContent: false,
  metafile: true,
  write: false,
  logLevel: "warning",
});

// One input a line: {"generated": …, "inputs": {"src/cli/main.ts": [mtimeMs, size], …}}.
const inputs = [...Object.keys(result.metafile.inputs), ...settingsFiles]
  .sort()
  .map((path) => `  ${JSON.stringify(path)}: ${JSON.stringify(before.get(path) ?? [0, -1])}`);
const manifest = `{\n "generated": "by scripts/build-cli.js, do not edit",\n "inputs": {\n${inputs.join(",\n")}\n }\n}\n`;

// The chunks first, the entry after them and the manifest last, each replaced
// whole (rename), and a file left alone when its bytes are unchanged: a CLI
// starting meanwhile sees the old build or the new one, and a rebuild of
// unchanged sources writes nothing.
const outputs = result.outputFiles.sort((a, b) => rank(a.path) - rank(b.path));
for (const file of outputs) replace(file.path, file.contents);
replace(join(outdir, "build.json"), Buffer.from(manifest));
const kept = new Set([...outputs.map((file) => file.path), join(outdir, "build.json")]);
// Old chunks go; a `.tmp` is another build's file on its way in (the test tiers can build at once).
for (const path of listFiles(relative(root, outdir)).map((file) => join(root, file))) {
  if (!kept.has(path) && !path.endsWith(".tmp")) rmSync(path, { force: true });
}

function rank(path) {
  return path === join(outdir, "main.js") ? 1 : 0;
}

function replace(path, contents) {
  try {
    if (readFileSync(path).equals(contents)) return;
  } catch {
    // Not there yet.
  }
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** Files under `folder`, as paths relative to the root with forward slashes (esbuild's form). */
function listFiles(folder) {
  const entries = readdirSync(join(root, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      relative(root, join(entry.parentPath ?? entry.path, entry.name))
        .split(sep)
        .join("/"),
    );
}

/** What bin/duckmart.js compares: [mtime in ms, size in bytes]. */
function stamp(path) {
  const { mtimeMs, size } = statSync(join(root, path));
  return [mtimeMs, size];
}
