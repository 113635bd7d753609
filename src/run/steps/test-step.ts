import { assertDataTestsPassed, runDataTests } from "../../quality/run-data-tests.ts";
import type { JobStep } from "../job.ts";
import { runProject } from "./run-project.ts";

/** Runs the data tests; a failed error-severity test stops the run before publish, warnings are reported. */
export const testStep: JobStep = {
  name: "test",
  async run(context) {
    const results = await runDataTests(context.warehouse, {
      runId: context.runId,
      project: await runProject(context),
      logger: context.logger,
      // Only the runner writes model tables here, so unchanged inputs mean unchanged results.
      reuseUnchanged: !context.options.fullRefresh,
    });
    context.results.test = results;
    // runDataTests has logged each failed or warned test once already.
    const warned = results.filter((r) => r.status !== "pass" && r.severity === "warn");
    assertDataTestsPassed(results);
    return {
      rows: results.length,
      detail: {
        passed: results.filter((r) => r.status === "pass").length,
        failed: results.filter((r) => r.status !== "pass" && r.severity === "error").length,
        warned: warned.length,
      },
    };
  },
};
