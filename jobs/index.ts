import type { JobDefinition } from "../src/run/job.ts";
import { ConfigError } from "../src/util/errors.ts";

/**
 * Every job the scheduler and `duckmart run --job` know, by name, with the
 * module that defines it. A job module imports its steps and with them most
 * of duckmart (DuckDB, the AWS SDK…), so it is loaded only when the job is
 * wanted: listing the names (`duckmart run --help`) loads none of them.
 */
const jobModules: ReadonlyMap<string, () => Promise<JobDefinition>> = new Map([
  ["daily", async () => (await import("./daily.ts")).dailyJob],
  ["ingest", async () => (await import("./ingest.ts")).ingestJob],
]);

/** The names of the jobs, in the order they are listed. */
export const jobNames: readonly string[] = [...jobModules.keys()];

/** The job called `name`; a ConfigError naming the known jobs when there is none. */
export async function loadJob(name: string): Promise<JobDefinition> {
  const load = jobModules.get(name);
  if (load === undefined) {
    throw new ConfigError(`unknown job ${name} (known: ${jobNames.join(", ")})`);
  }
  const job = await load();
  // The key above and the module's own name must agree, or `--job` would run another job.
  if (job.name !== name) {
    throw new Error(`jobs/index.ts lists job ${name}, but its module calls it ${job.name}`);
  }
  return job;
}
