import type { JobDefinition } from "../src/run/job.ts";
import { dailyJob } from "./daily.ts";
import { ingestJob } from "./ingest.ts";

/** Every job the scheduler and `duckmart run --job` know, by name. */
export const jobs: ReadonlyMap<string, JobDefinition> = new Map(
  [dailyJob, ingestJob].map((job) => [job.name, job]),
);
