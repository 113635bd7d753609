import type { JobDefinition } from "../src/run/job.ts";
import { ingestStep } from "../src/run/steps/ingest-step.ts";

/** Hourly: loads new and changed raw files only. */
export const ingestJob: JobDefinition = {
  name: "ingest",
  schedule: (settings) => settings.ingestSchedule,
  steps: [ingestStep],
};
