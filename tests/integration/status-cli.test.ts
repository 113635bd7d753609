import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";

/**
 * `duckmart status` with the opt-in event-time SLA (issue 13): the
 * generated events are from 2024, their files from a moment ago, so the
 * file-age SLA holds while an event-time SLA of 48 hours does not.
 */
describe("duckmart status: freshness on event time", () => {
  let env: Record<string, string>;

  beforeAll(async () => {
    const s3 = await startTestS3();
    await generateExports({ users: 100, days: 3, seed: 2 }, objectStoreSink(s3.store, "raw", "s3"));
    const dir = tempDir("status");
    env = {
      ...s3.env,
      DUCKMART_WAREHOUSE: join(dir, "warehouse.duckdb"),
      DUCKMART_WORK_DIR: join(dir, "work"),
    };
    const ingest = await runCli(["run", "--job", "ingest"], env);
    expect(ingest.code, ingest.stderr).toBe(0);
  }, 120_000);

  it("shows the file age and, where a source opts in, the event age; only file age counts by default", async () => {
    const status = await runCli(["status"], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/event age h/);
    expect(status.stdout).toMatch(/orders\s.*2024-01-03/);
  });

  it("exits non-zero naming the source whose newest event is older than its event-time SLA", async () => {
    const stale = await runCli(["status"], {
      ...env,
      DUCKMART_EVENT_FRESHNESS_HOURS: '{"orders": 48}',
    });
    expect(stale.code).not.toBe(0);
    expect(lastLine(stale.stderr)).toMatch(
      /^duckmart: event-time freshness broken by orders \(newest event \d+\.\d h old, SLA 48 h\)$/,
    );
    expect(stale.stdout).toMatch(/orders\s.*BREACH \(48 h\)/);
    const fine = await runCli(["status"], {
      ...env,
      DUCKMART_EVENT_FRESHNESS_HOURS: '{"orders": 10000000}',
    });
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/orders\s.*ok \(10000000 h\)/);
  });

  it("reports both SLAs when both break", async () => {
    const both = await runCli(["status"], {
      ...env,
      DUCKMART_FRESHNESS_SLA_HOURS: "0.00001",
      DUCKMART_EVENT_FRESHNESS_HOURS: '{"visits": 1}',
    });
    expect(both.code).not.toBe(0);
    expect(lastLine(both.stderr)).toMatch(
      /freshness SLA \(0\.00001 h\) broken by .*; event-time freshness broken by visits/,
    );
  });

  it("refuses an event-time SLA on an unknown source or one without event time", async () => {
    const unknown = await runCli(["status"], {
      ...env,
      DUCKMART_EVENT_FRESHNESS_HOURS: '{"refunds": 4}',
    });
    expect(lastLine(unknown.stderr)).toMatch(/eventFreshnessHours names unknown source refunds/);
    const timeless = await runCli(["status"], {
      ...env,
      DUCKMART_EVENT_FRESHNESS_HOURS: '{"events": 4}',
    });
    expect(lastLine(timeless.stderr)).toMatch(/source events has no event time/);
  });
});
