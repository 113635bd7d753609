import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin/duckmart.js");
let s3: TestS3;

beforeAll(async () => {
  s3 = await startTestS3();
  // Enough files that the first ingest run is still going when the signal comes.
  await generateExports({ users: 2000, days: 40, seed: 2 }, objectStoreSink(s3.store, "raw", "s3"));
}, 120_000);

type Log = { msg?: string; pid?: number; signal?: string; [key: string]: unknown };

/** Starts a scheduler through `command`, collecting its JSON log lines. */
function start(command: string, args: readonly string[], label: string) {
  const dir = tempDir(label);
  const env = {
    ...process.env,
    ...s3.env,
    DUCKMART_WAREHOUSE: join(dir, "warehouse.duckdb"),
    DUCKMART_WORK_DIR: join(dir, "work"),
    DUCKMART_LOG_LEVEL: "info",
    DUCKMART_INGEST_SCHEDULE: "* * * * * *",
    DUCKMART_DAILY_SCHEDULE: "0 0 1 1 *",
  };
  const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const logs: Log[] = [];
  let stderr = "";
  let partial = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("{")) logs.push(JSON.parse(line) as Log);
  });
  // "close": every holder of the pipes (the scheduler too, not only `command`) has exited.
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, logs, closed, exited, warehouse: env.DUCKMART_WAREHOUSE, stderr: () => stderr };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether `pid` still runs: an exited process the init of this machine has not reaped yet does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/**
 * SIGTERM to `target` while the first run is loading: the scheduler stops
 * taking ticks, lets that run finish, logs "scheduler stopped" and is gone.
 */
async function expectDrainAndExit(
  scheduler: ReturnType<typeof start>,
  target: () => number,
): Promise<Log[]> {
  await waitFor(
    () => scheduler.logs.some((l) => l.msg === "run started"),
    60_000,
    `the first run (${scheduler.stderr()})`,
  );
  const pid = scheduler.logs.find((l) => l.msg === "run started")?.pid as number;
  process.kill(target(), "SIGTERM");
  await Promise.race([
    scheduler.closed,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`not stopped: ${scheduler.stderr()}`)), 90_000),
    ),
  ]);
  const messages = scheduler.logs.map((l) => l.msg);
  const stopping = messages.findIndex((m) => m?.startsWith("stopping: no new ticks"));
  expect(stopping, scheduler.stderr()).toBeGreaterThan(-1);
  expect(messages.indexOf("run finished")).toBeGreaterThan(-1);
  expect(messages.at(-1)).toBe("scheduler stopped");
  // Drained: no run was started after the signal, and none is left "running".
  expect(messages.slice(stopping).filter((m) => m === "run started")).toEqual([]);
  const runs = await inspectWarehouse(scheduler.warehouse, (w) =>
    w.all<{ status: string }>("select status from meta.runs"),
  );
  expect(runs.map((r) => r.status)).toEqual(runs.map(() => "succeeded"));
  return scheduler.logs.filter((l) => l.pid === pid);
}

describe("SIGTERM reaches the scheduler", () => {
  it("started through the bin", async () => {
    const scheduler = start(process.execPath, [bin, "schedule", "--job", "ingest"], "sig-bin");
    await expectDrainAndExit(scheduler, () => scheduler.child.pid as number);
    expect(await scheduler.exited).toBe(0);
  }, 120_000);

  it("started as `npx duckmart schedule`, leaving no orphan", async () => {
    const scheduler = start("npx", ["duckmart", "schedule", "--job", "ingest"], "sig-npx");
    // npx runs the bin under `sh -c`: the scheduler is a grandchild, not the process signalled.
    const logs = await expectDrainAndExit(scheduler, () => scheduler.child.pid as number);
    const pid = logs[0]?.pid as number;
    expect(pid).not.toBe(scheduler.child.pid);
    await waitFor(() => !alive(pid), 10_000, `process ${pid} to exit`);
  }, 120_000);

  it("started by the Dockerfile's CMD as PID 1 of its own PID namespace, as in a container", async () => {
    const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    expect(cmd[0]).toBe("node");
    const scheduler = start(
      "unshare",
      ["--user", "--map-root-user", "--pid", "--fork", ...cmd],
      "sig-pid1",
    );
    const pid1 = () => {
      const unshare = scheduler.child.pid as number;
      const children = readFileSync(`/proc/${unshare}/task/${unshare}/children`, "utf8").trim();
      return Number(children.split(/\s+/)[0]);
    };
    const logs = await expectDrainAndExit(scheduler, pid1);
    expect(logs[0]?.pid).toBe(1);
    expect(await scheduler.exited).toBe(0);
  }, 120_000);
});

describe("the container image", () => {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");

  it("runs node itself as a non-root user, with a health check running duckmart status", () => {
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/duckmart\.js", "schedule"\]$/m);
    expect(dockerfile).not.toMatch(/npx/);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(dockerfile).toMatch(
      /^HEALTHCHECK .*\\\n\s+CMD \["node", "bin\/duckmart\.js", "status"\]$/m,
    );
    expect(dockerfile).toMatch(/^FROM node:\d+\.\d+\.\d+-/m);
  });

  it("keeps the host's node_modules, dist, .duckmart and .git out of the build context", () => {
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist", ".duckmart", ".git"]));
  });

  it("installs the dependencies before the sources are copied and builds the CLI after", () => {
    // `npm ci` runs the package's `prepare` (the build), which needs the sources: not yet there.
    const lines = dockerfile.split("\n");
    const install = lines.findIndex((line) => /^RUN npm ci .*--ignore-scripts/.test(line));
    const copy = lines.indexOf("COPY . .");
    const build = lines.findIndex((line) => /^RUN npm run build\b/.test(line));
    expect(install).toBeGreaterThan(-1);
    expect(copy).toBeGreaterThan(install);
    expect(build).toBeGreaterThan(copy);
  });

  it("is composed from pinned images only", () => {
    const compose = readFileSync(join(root, "docker-compose.yml"), "utf8");
    const images = [...compose.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1] as string);
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const image of images) expect(image).toMatch(/:(?!latest$)[\w.-]*\d[\w.-]*$/);
    expect(compose).not.toMatch(/npx/);
  });
});

describe("duckmart schedule options", () => {
  it("refuses an unknown job and a --retries that is not a whole number", async () => {
    const unknown = await runCli(["schedule", "--job", "daily,nightly"]);
    expect(unknown.code).not.toBe(0);
    expect(lastLine(unknown.stderr)).toMatch(/unknown job nightly \(known: daily, ingest\)/);
    for (const retries of ["x", "2.5", "0", ""]) {
      const bad = await runCli(["schedule", "--retries", retries]);
      expect(bad.code, retries).not.toBe(0);
      expect(lastLine(bad.stderr)).toContain("--retries");
    }
  });
});
