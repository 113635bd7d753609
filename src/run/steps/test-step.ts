import {
  assertDataTestsPassed,
  type DataTestResult,
  runDataTests,
} from "../../quality/run-data-tests.ts";
import { dropMergedChanges } from "../../transform/run-transforms.ts";
import type { JobStep } from "../job.ts";
import { runProject } from "./run-project.ts";

/** Runs the data tests; a failed error-severity test stops the run before publish, warnings are reported. */
export const testStep: JobStep = {
  name: "test",
  async run(context) {
    const mergedChanges = context.results.transform?.mergedChanges ?? [];
    let results: DataTestResult[];
    try {
      results = await runDataTests(context.warehouse, {
        runId: context.runId,
        project: await runProject(context),
        logger: context.logger,
        // Only the runner writes model tables here, so unchanged inputs mean unchanged results,
        // and a merged table's unchanged rows passed already.
        reuseUnchanged: !context.options.fullRefresh,
        ...(context.options.fullRefresh ? {} : { mergedChanges }),
      });
    } finally {
      await dropMergedChanges(context.warehouse, mergedChanges);
    }
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
