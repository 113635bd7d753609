import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const recorder = fileURLToPath(new URL("./fixtures/record-imports.mjs", import.meta.url));

/** Runs `node [--import recorder] <bin> …args` from `cwd` with NODE_OPTIONS unset. */
function node(bin: string, args: readonly string[], options: { record?: boolean } = {}) {
  const log = join(tempDir("cli-imports"), "imports.txt");
  writeFileSync(log, "");
  const env: NodeJS.ProcessEnv = { ...process.env, RECORD_IMPORTS: log };
  delete env.NODE_OPTIONS;
  const result = spawnSync(
    process.execPath,
    [...(options.record ? ["--import", recorder] : []), bin, ...args],
    { cwd: root, env, encoding: "utf8" },
  );
  const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, loaded };
}

describe("the CLI starts from the build (global setup: tests/support/build-cli.ts)", () => {
  const bin = join(root, "bin/duckmart.js");

  it("--version prints package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      version: string;
    };
    const run = node(bin, ["--version"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${version}\n`);
    expect(run.status).toBe(0);
  });

  it.each(["--version", "--help", "run --help", "schedule --help"])(
    "duckmart %s compiles no TypeScript and loads no dependency but commander",
    (line) => {
      const run = node(bin, line.split(" "), { record: true });
      expect(run.status, run.stderr).toBe(0);
      expect(run.loaded).toContain(new URL("../../dist/cli/main.js", import.meta.url).href);
      expect(run.loaded.filter((url) => /\.[cm]?ts$/.test(url))).toEqual([]);
      const packages = run.loaded.flatMap(
        (url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? [],
      );
      expect([...new Set(packages)]).toEqual(["commander"]);
    },
  );
});

describe("bin/duckmart.js", () => {
  /**
   * A copy of the bin in a tree of its own: src/cli/main.ts (TypeScript, so
   * only tsx can run it) and a "build" of it in dist/cli, each printing
   * where it ran from.
   */
  function tree(): { bin: string; source: string; manifest: string } {
    const dir = tempDir("cli-bin");
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "src/cli"), { recursive: true });
    mkdirSync(join(dir, "dist/cli"), { recursive: true });
    copyFileSync(join(root, "bin/duckmart.js"), join(dir, "bin/duckmart.js"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    const source = join(dir, "src/cli/main.ts");
    writeFileSync(source, 'const from: string = "source\\n";\nprocess.stdout.write(from);\n');
    writeFileSync(join(dir, "dist/cli/main.js"), 'process.stdout.write("build\\n");\n');
    const { mtimeMs, size } = statSync(source);
    const manifest = join(dir, "dist/cli/build.json");
    writeFileSync(manifest, JSON.stringify({ inputs: { "src/cli/main.ts": [mtimeMs, size] } }));
    return { bin: join(dir, "bin/duckmart.js"), source, manifest };
  }

  it("runs the build while its inputs are as they were built", () => {
    expect(node(tree().bin, []).stdout).toBe("build\n");
  });

  it("runs the TypeScript through tsx when an input changed since the build", () => {
    const { bin, source } = tree();
    writeFileSync(source, `${readFileSync(source, "utf8")}// edited\n`);
    expect(node(bin, []).stdout).toBe("source\n");
  });

  it("runs the TypeScript when an input is gone or there is no build", () => {
    const gone = tree();
    writeFileSync(gone.manifest, JSON.stringify({ inputs: { "src/cli/gone.ts": [1, 1] } }));
    expect(node(gone.bin, []).stdout).toBe("source\n");
    const none = tree();
    rmSync(none.manifest);
    expect(node(none.bin, []).stdout).toBe("source\n");
  });
});
