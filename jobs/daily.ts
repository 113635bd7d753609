import type { JobDefinition } from "../src/run/job.ts";
import { guardStep } from "../src/run/steps/guard-step.ts";
import { ingestStep } from "../src/run/steps/ingest-step.ts";
import { planStep } from "../src/run/steps/plan-step.ts";
import { publishStep } from "../src/run/steps/publish-step.ts";
import { reportStep } from "../src/run/steps/report-step.ts";
import { serveStep } from "../src/run/steps/serve-step.ts";
import { testStep } from "../src/run/steps/test-step.ts";
import { transformStep } from "../src/run/steps/transform-step.ts";

/**
 * Nightly (03:00 in the configured timezone): ingest → plan → transform →
 * test → publish guards → publish, then the run report and the analyst
 * database. A run the plan finds nothing new in ends after the plan.
 */
export const dailyJob: JobDefinition = {
  name: "daily",
  schedule: (settings) => settings.dailySchedule,
  steps: [
    ingestStep,
    planStep,
    transformStep,
    testStep,
    guardStep,
    publishStep,
    reportStep,
    serveStep,
  ],
};
