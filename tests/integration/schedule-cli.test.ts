import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/logger.ts";
import { acquireWarehouse, lockNotePath } from "../../src/warehouse/warehouse-lock.ts";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

const bin = fileURLToPath(new URL("../../bin/duckmart.js", import.meta.url));
let s3: TestS3;

beforeAll(async () => {
  s3 = await startTestS3();
  const generated = await runCli(
    ["generate", "--users", "4000", "--days", "60", "--out", "s3://duckmart/raw"],
    s3.env,
  );
  expect(generated.code, generated.stderr).toBe(0);
});

function freshEnv(label: string): Record<string, string> & { DUCKMART_WAREHOUSE: string } {
  const dir = tempDir(label);
  return {
    ...s3.env,
    DUCKMART_WAREHOUSE: join(dir, "warehouse.duckdb"),
    DUCKMART_WORK_DIR: join(dir, "work"),
  };
}

/** Starts the CLI in the background, collecting its JSON log lines. */
function startCli(args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: { msg?: string; [key: string]: unknown }[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().split("\n")) {
      if (line.startsWith("{")) logs.push(JSON.parse(line));
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code)),
  );
  return { child, logs, exited, stderr: () => stderr };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("duckmart schedule", () => {
  it("fires runs on schedule, skips overlapping ticks, and exits 0 on SIGTERM with the lock released", async () => {
    const env = { ...freshEnv("schedule"), DUCKMART_DAILY_SCHEDULE: "* * * * * *" };
    const scheduler = startCli(["schedule", "--job", "daily"], env);
    await waitFor(
      () =>
        scheduler.logs.filter((l) => l.msg === "run finished").length >= 2 &&
        scheduler.logs.some((l) => l.msg?.startsWith("tick skipped")),
      60_000,
      "two runs and a skipped tick",
    );
    scheduler.child.kill("SIGTERM");
    expect(await scheduler.exited, scheduler.stderr()).toBe(0);
    expect(scheduler.logs.some((l) => l.msg === "scheduler stopped")).toBe(true);
    expect(existsSync(lockNotePath(env.DUCKMART_WAREHOUSE))).toBe(false);
    const runs = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ trigger: string; status: string }>("select trigger, status from meta.runs"),
    );
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((run) => run.trigger === "schedule" && run.status === "succeeded")).toBe(
      true,
    );
    // Every scheduled run loaded its files once: nothing twice.
    const [loads] = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ files: number; attempts: number }>(
        "select (select count(*) from meta.loaded_files) as files, (select count(*) from meta.file_loads) as attempts",
      ),
    );
    expect(loads?.files).toBe(300);
    expect(loads?.attempts).toBe(300);
  });
});

describe("the warehouse lock", () => {
  it("makes a second run refuse naming the holder, or wait for it", async () => {
    const env = freshEnv("lock");
    // This test process holds the warehouse exactly as a run does.
    const held = await acquireWarehouse(env.DUCKMART_WAREHOUSE, {}, "ingest", 0, silentLogger());
    const refused = await runCli(["run", "--job", "ingest"], {
      ...env,
      DUCKMART_LOCK_TIMEOUT_SECONDS: "0.2",
    });
    expect(refused.code).not.toBe(0);
    expect(lastLine(refused.stderr)).toMatch(
      new RegExp(
        `is locked by pid ${process.pid} on \\S+ \\(job ingest, since \\d{4}-\\d{2}-\\d{2}T.*waited`,
      ),
    );
    const waiting = runCli(["run", "--job", "ingest"], {
      ...env,
      DUCKMART_LOCK_TIMEOUT_SECONDS: "120",
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    held.release();
    const waited = await waiting;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/300 loaded/);
  });

  it("lets two concurrent runs never double a load", async () => {
    const env = { ...freshEnv("concurrent"), DUCKMART_LOCK_TIMEOUT_SECONDS: "120" };
    const [a, b] = await Promise.all([
      runCli(["run", "--job", "ingest"], env),
      runCli(["run", "--job", "ingest"], env),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    // One loaded everything, the other found it all unchanged.
    const outputs = [a.stdout, b.stdout];
    expect(outputs.filter((out) => /300 listed, 300 loaded, 0 unchanged/.test(out))).toHaveLength(
      1,
    );
    expect(outputs.filter((out) => /300 listed, 0 loaded, 300 unchanged/.test(out))).toHaveLength(
      1,
    );
    const [rows] = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ loaded: number; raw: number; files: number }>(
        `select (select sum(rows_loaded) from meta.loaded_files) as loaded,
                (select count(*) from raw.visits) + (select count(*) from raw.orders) + (select count(*) from raw.events)
                  + (select count(*) from raw.costs) + (select count(*) from raw.fx_rates) as raw,
                (select count(*) from meta.loaded_files) as files`,
      ),
    );
    expect(rows?.raw).toBe(rows?.loaded);
    expect(rows?.files).toBe(300);
  });

  it("is free again after its holder is killed", async () => {
    const env = freshEnv("stale");
    const victim = startCli(["run", "--job", "ingest"], env);
    await waitFor(
      () => existsSync(lockNotePath(env.DUCKMART_WAREHOUSE)),
      30_000,
      "the run to hold the lock",
    );
    victim.child.kill("SIGKILL");
    await victim.exited;
    expect(existsSync(lockNotePath(env.DUCKMART_WAREHOUSE))).toBe(true);
    const next = await runCli(["run", "--job", "ingest"], {
      ...env,
      DUCKMART_LOCK_TIMEOUT_SECONDS: "5",
    });
    expect(next.code, next.stderr).toBe(0);
    const [check] = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ files: number; bad: number }>(
        `select count(*) as files, count(*) filter (where rows_read <> rows_loaded + rows_rejected) as bad from meta.loaded_files`,
      ),
    );
    expect(check).toEqual({ files: 300, bad: 0 });
  });
});

describe("duckmart status", () => {
  it("shows runs, freshness and exits non-zero when a source breaks its SLA", async () => {
    const env = freshEnv("status");
    expect((await runCli(["run", "--job", "ingest"], env)).code).toBe(0);
    const fresh = await runCli(["status"], env);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/visits\s+60\s/);
    expect(fresh.stdout).toContain("succeeded");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const late = await runCli(["status"], { ...env, DUCKMART_FRESHNESS_SLA_HOURS: "0.0001" });
    expect(late.code).not.toBe(0);
    expect(lastLine(late.stderr)).toMatch(/freshness SLA \(0\.0001 h\) broken by visits \(\d/);
    expect(late.stdout).toContain("BREACH");
  });
});

describe("scheduler retries", () => {
  it("retries a run that failed for a transient reason, and not one that failed on bad input", async () => {
    const unreachable = {
      ...freshEnv("retry"),
      DUCKMART_S3_ENDPOINT: "http://127.0.0.1:9",
      DUCKMART_S3_MAX_ATTEMPTS: "1",
      DUCKMART_DAILY_SCHEDULE: "* * * * * *",
    };
    const flaky = startCli(["schedule", "--job", "daily", "--retries", "2"], unreachable);
    await waitFor(
      () => flaky.logs.some((l) => l.msg === "scheduled run failed"),
      30_000,
      "the retried run to give up",
    );
    flaky.child.kill("SIGTERM");
    expect(await flaky.exited).toBe(0);
    expect(
      flaky.logs.filter((l) => l.msg === "run failed for a transient reason; retrying"),
    ).toHaveLength(1);

    const badKey = "raw-bad/orders/dt=2024-01-01/part-000.csv";
    await s3.store.write(badKey, "order_id,user_id\no1,u1\n");
    const badInput = {
      ...freshEnv("permanent"),
      DUCKMART_RAW_PREFIX: "raw-bad",
      DUCKMART_DAILY_SCHEDULE: "* * * * * *",
    };
    const permanent = startCli(["schedule", "--job", "daily", "--retries", "3"], badInput);
    await waitFor(
      () => permanent.logs.some((l) => l.msg === "scheduled run failed"),
      30_000,
      "the bad run to fail",
    );
    permanent.child.kill("SIGTERM");
    expect(await permanent.exited).toBe(0);
    expect(
      permanent.logs.some((l) => l.msg === "run failed for a transient reason; retrying"),
    ).toBe(false);
    const failure = permanent.logs.find((l) => l.msg === "scheduled run failed") as {
      err?: { message?: string };
    };
    expect(failure.err?.message).toContain(
      `${badKey}: missing required columns created_at, revenue`,
    );
  });
});
