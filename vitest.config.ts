import { defineConfig } from "vitest/config";

// Test tiers, by where the files already are (`npx vitest run --project unit`):
// - unit: in-process logic on in-memory or temp-file DuckDB and a local-folder
//   object store; no child process, no S3 server, no browser (`npm run test:quick`).
// - integration: the real CLI in child processes, a real S3 API server, or a
//   whole data set (conformance on generated and Afisha data, the CLV benchmark,
//   random sequences of incremental runs against full refreshes).
// - reliability: faults, crashes, hostile input and resource limits (tests/reliability).
// - browser: the run report opened in headless Chromium.
// `npm test` runs every tier.
const setup = "tests/support/setup.ts";
// The tiers that start bin/duckmart.js bundle the CLI from the current sources first.
const buildCli = "tests/support/build-cli.ts";
const browser = ["tests/report/run-report.test.ts"];
const reliability = ["tests/reliability/**/*.test.ts"];
const integration = [
  "tests/integration/**/*.test.ts",
  "tests/clv/clv-cli.test.ts",
  "tests/clv/clv-recovery.test.ts",
  "tests/publish/publish-kill.test.ts",
  "tests/publish/publish-run.test.ts",
  "tests/serve/analyst-database.test.ts",
  "tests/conformance/afisha.test.ts",
  "tests/conformance/generated.test.ts",
  "tests/clv/benchmark-clv.test.ts",
  "tests/transform/incremental.test.ts",
];

export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["tests/**/*.test.ts"],
          exclude: [...integration, ...reliability, ...browser],
          // One process reused across files: they share no global state, and
          // loading DuckDB and the SQL project once per file dominated the tier.
          isolate: false,
          setupFiles: [setup, "tests/support/unit-tier-guard.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: integration,
          setupFiles: [setup],
          globalSetup: buildCli,
        },
      },
      {
        extends: true,
        test: {
          name: "reliability",
          include: reliability,
          setupFiles: [setup],
          globalSetup: buildCli,
        },
      },
      { extends: true, test: { name: "browser", include: browser, setupFiles: [setup] } },
    ],
  },
});
