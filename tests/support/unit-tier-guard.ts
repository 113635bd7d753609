import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";

// Setup file of the unit tier (vitest.config.ts): a test that starts a child
// process (the CLI, s3rver, a browser) fails at once, naming the tier it belongs to.
const starters = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];
for (const name of starters) {
  (childProcess as unknown as Record<string, unknown>)[name] = () => {
    throw new Error(
      `the unit tier starts no child process (child_process.${name}): list this test file under integration in vitest.config.ts`,
    );
  };
}
syncBuiltinESMExports();
