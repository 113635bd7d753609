import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/logger.ts";
import type { JobDefinition, RunContext } from "../../src/run/job.ts";
import { runJob } from "../../src/run/run-job.ts";
import { LocalFolderObjectStore } from "../../src/storage/local-folder-object-store.ts";
import { tempDir } from "../support/temp-dir.ts";
import { fixtureWarehouse, testSettings } from "../transform/fixture-warehouse.ts";

async function context(runId: string): Promise<RunContext> {
  return {
    runId,
    job: "test",
    trigger: "manual",
    settings: testSettings(),
    warehouse: await fixtureWarehouse(),
    store: new LocalFolderObjectStore(tempDir("run-job")),
    logger: silentLogger(),
    options: {},
    results: {},
  };
}

describe("runJob", () => {
  it("records each step and the run", async () => {
    const ctx = await context("r1");
    const job: JobDefinition = {
      name: "test",
      schedule: () => "0 * * * *",
      steps: [{ name: "one", run: async () => ({ rows: 3, detail: { files: 1 } }) }],
    };
    const record = await runJob(job, ctx);
    expect(record.status).toBe("succeeded");
    expect(
      await ctx.warehouse.all("select step, status, rows::integer as rows from meta.run_steps"),
    ).toEqual([{ step: "one", status: "succeeded", rows: 3 }]);
    expect(await ctx.warehouse.all("select status from meta.runs")).toEqual([
      { status: "succeeded" },
    ]);
  });

  it("never throws: a failing write of the step record fails the run instead", async () => {
    const ctx = await context("r2");
    const job: JobDefinition = {
      name: "test",
      schedule: () => "0 * * * *",
      steps: [
        {
          name: "breaks the record",
          run: async (step) => {
            await step.warehouse.run("drop table meta.run_steps");
            return {};
          },
        },
        { name: "never runs", run: async () => ({}) },
      ],
    };
    const record = await runJob(job, ctx);
    expect(record.status).toBe("failed");
    expect(record.error?.message).toMatch(/run_steps/);
    expect(record.steps.map((step) => [step.name, step.status])).toEqual([
      ["breaks the record", "failed"],
    ]);
    expect(
      await ctx.warehouse.all("select status, error is not null as has_error from meta.runs"),
    ).toEqual([{ status: "failed", has_error: true }]);
  });
});
