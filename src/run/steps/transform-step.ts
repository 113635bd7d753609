import {
  dropMergedChanges,
  runTransforms,
  type TransformResult,
} from "../../transform/run-transforms.ts";
import { ModelError } from "../../util/errors.ts";
import type { JobStep } from "../job.ts";
import { runProject } from "./run-project.ts";

/**
 * Builds the models whose version or inputs changed (the plan step's plan,
 * or a plan made here); a failed model fails the run before publish.
 */
export const transformStep: JobStep = {
  name: "transform",
  async run(context) {
    const result: TransformResult = await runTransforms(context.warehouse, context.settings, {
      runId: context.runId,
      select: context.options.select,
      fullRefresh: context.options.fullRefresh,
      project: await runProject(context),
      ...(context.results.plan ? { plan: context.results.plan } : {}),
      logger: context.logger,
      // For the test step, which checks merged models on their changed rows and drops them.
      keepChanges: true,
    });
    context.results.transform = result;
    if (!result.ok) {
      await dropMergedChanges(context.warehouse, result.mergedChanges);
      const reasons = result.outcomes
        .filter((outcome) => outcome.status === "failed")
        .map(
          (outcome) => `${outcome.model}: ${outcome.error?.message ?? outcome.reason ?? "failed"}`,
        );
      throw new ModelError(
        `${result.failed.length} model(s) failed: ${reasons.join("; ")}${result.skipped.length ? `; skipped downstream: ${result.skipped.join(", ")}` : ""}`,
      );
    }
    return {
      rows: result.outcomes.reduce((sum, outcome) => sum + (outcome.rows ?? 0), 0),
      detail: {
        built: result.built.length,
        incremental: result.outcomes.filter((outcome) => outcome.reason === "incremental").length,
        upToDate: result.upToDate.length,
      },
    };
  },
};
