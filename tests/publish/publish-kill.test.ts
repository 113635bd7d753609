import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { manifestKey, type PublishManifest, parseManifest } from "../../src/publish/manifest.ts";
import { publishRun } from "../../src/publish/publish-run.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { createSpecMarts } from "./fixtures/spec-marts.ts";

const s3 = await startTestS3();
const root = tempDir("publish-kill");
const childScript = new URL("./fixtures/publish-child.ts", import.meta.url).pathname;
const prefix = "killed";

async function currentManifest(): Promise<PublishManifest> {
  return parseManifest(await s3.store.read(manifestKey(prefix)), manifestKey(prefix));
}

async function expectComplete(manifest: PublishManifest): Promise<void> {
  for (const entry of Object.values(manifest.marts)) {
    for (const file of entry.files) {
      const bytes = await s3.store.read(file.key);
      expect(createHash("sha256").update(bytes).digest("hex"), file.key).toBe(file.sha256);
    }
  }
}

/** Starts a publish in another process and SIGKILLs it after `uploads` Parquet uploads. */
async function killMidPublish(
  warehousePath: string,
  runId: string,
  uploads: number,
): Promise<string[]> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      childScript,
      warehousePath,
      s3.server.endpoint,
      s3.server.bucket,
      prefix,
      runId,
      join(root, "work-child"),
    ],
    { env: { ...process.env, NODE_NO_WARNINGS: "1" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const seen: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line.startsWith("uploaded ")) seen.push(line.slice("uploaded ".length));
        if (line === "published") reject(new Error("the child finished before it could be killed"));
      }
      if (seen.length >= uploads) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`child exited with ${code} before ${uploads} uploads: ${stderr}`)),
    );
  });
  await new Promise((resolve) => child.once("exit", resolve));
  return seen;
}

describe("a publish killed mid-way", () => {
  it("leaves the previous manifest valid and complete; the next publish succeeds and clears the debris", async () => {
    const warehousePath = join(root, "warehouse.duckdb");
    const warehouse = await Warehouse.open(warehousePath);
    await createSpecMarts(warehouse);
    const first = await publishRun({
      warehouse,
      store: s3.store,
      settings: { publishPrefix: prefix, keepRuns: 1, workDir: join(root, "work") },
      runId: "20240101T000001Z-first0",
      dataAsOf: null,
    });
    // The child needs the warehouse file: DuckDB allows one process per file.
    warehouse.close();

    const uploaded = await killMidPublish(warehousePath, "20240101T000002Z-killed", 4);
    expect(uploaded).toHaveLength(4);
    expect(uploaded.every((key) => key.includes("run_id=20240101T000002Z-killed/"))).toBe(true);
    for (const key of uploaded) expect(await s3.store.head(key), key).toBeDefined();

    const afterKill = await currentManifest();
    expect(afterKill).toEqual(first.manifest);
    await expectComplete(afterKill);

    await sleep(1_100);
    const reopened = await Warehouse.open(warehousePath);
    try {
      const next = await publishRun({
        warehouse: reopened,
        store: s3.store,
        settings: { publishPrefix: prefix, keepRuns: 1, workDir: join(root, "work") },
        runId: "20240101T000003Z-next00",
        dataAsOf: null,
      });
      expect((await currentManifest()).run_id).toBe("20240101T000003Z-next00");
      await expectComplete(next.manifest);
      expect(next.housekeeping).toMatchObject({
        keptRunIds: ["20240101T000003Z-next00"],
        deletedRunIds: expect.arrayContaining([
          "20240101T000001Z-first0",
          "20240101T000002Z-killed",
        ]),
      });
      for (const key of uploaded) expect(await s3.store.head(key), key).toBeUndefined();
    } finally {
      reopened.close();
    }
  });
});
