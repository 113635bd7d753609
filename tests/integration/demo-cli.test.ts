import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

function digestTree(dir: string): Map<string, string> {
  const digests = new Map<string, string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else
        digests.set(
          relative(dir, path),
          createHash("sha256").update(readFileSync(path)).digest("hex"),
        );
    }
  };
  walk(dir);
  return digests;
}

describe("duckmart generate", () => {
  it("writes byte-identical exports for the same seed, and different ones for another seed", async () => {
    const dir = tempDir("generate");
    const args = ["generate", "--users", "300", "--days", "5"];
    for (const [out, seed] of [
      ["a", "1"],
      ["b", "1"],
      ["c", "2"],
    ] as const) {
      const result = await runCli([...args, "--seed", seed, "--out", join(dir, out)]);
      expect(result.code, result.stderr).toBe(0);
    }
    const a = digestTree(join(dir, "a"));
    expect([...a.keys()].sort()).toContain("orders/dt=2024-01-01/part-000.csv");
    expect(a.size).toBe(25);
    expect(digestTree(join(dir, "b"))).toEqual(a);
    expect(digestTree(join(dir, "c"))).not.toEqual(a);
  });

  it("writes into a bucket prefix", async () => {
    const s3 = await startTestS3();
    const result = await runCli(
      ["generate", "--users", "100", "--days", "2", "--out", "s3://duckmart/landing/raw"],
      s3.env,
    );
    expect(result.code, result.stderr).toBe(0);
    const keys: string[] = [];
    for await (const object of s3.store.list("landing/raw/")) keys.push(object.key);
    expect(keys).toContain("landing/raw/visits/dt=2024-01-02/part-000.csv");
    expect(keys).toHaveLength(10);
  });
});

describe("duckmart demo", () => {
  it("starts its own S3 server, generates data, runs daily and prints the summary; a second demo loads nothing new", async () => {
    const dir = tempDir("demo");
    const env = {
      DUCKMART_WAREHOUSE: join(dir, "warehouse.duckdb"),
      DUCKMART_WORK_DIR: join(dir, "work"),
      DUCKMART_S3_ENDPOINT: "",
    };
    const first = await runCli(["demo"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/run \S+ \(daily\): succeeded/);
    expect(first.stdout).toMatch(/files: 900 listed, 900 loaded/);
    expect(first.stdout).toContain(`warehouse: ${join(dir, "warehouse.duckdb")}`);
    const [orders] = await inspectWarehouse(join(dir, "warehouse.duckdb"), (w) =>
      w.all<{ n: number }>("select count(*) as n from raw.orders"),
    );
    expect(orders?.n).toBeGreaterThan(1000);

    const second = await runCli(["demo"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/files: 900 listed, 0 loaded, 900 unchanged/);
  });
});
