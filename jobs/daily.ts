import type { JobDefinition } from "../src/run/job.ts";
import { ingestStep } from "../src/run/steps/ingest-step.ts";

/** Nightly: ingest → transform → test → publish (03:00 in the configured timezone). */
export const dailyJob: JobDefinition = {
  name: "daily",
  schedule: (settings) => settings.dailySchedule,
  steps: [ingestStep],
};
