// Conformance on synthetic exports: the generator's objects at a few seeds
// and scales, each object last modified the day after its data (all five
// sources of a day at once), loaded as ingest would.
import { describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { checkConformance } from "./harness.ts";
import { type RawObject, rawFromCsvObjects } from "./raw-files.ts";
import type { SourceName } from "./reference/staging.ts";

async function generatedObjects(users: number, days: number, seed: number): Promise<RawObject[]> {
  const objects: RawObject[] = [];
  await generateExports(
    { users, days, seed },
    {
      write: async (key, body) => {
        const source = key.split("/")[0] as SourceName;
        const day = /dt=(\d{4}-\d{2}-\d{2})/.exec(key)?.[1] ?? "2000-01-01";
        const modified = new Date(Date.parse(`${day}T01:00:00Z`) + 86_400_000)
          .toISOString()
          .slice(0, 19)
          .replace("T", " ");
        objects.push({ source, key: `raw/${key}`, modified, body: body.toString("utf8") });
      },
    },
  );
  return objects;
}

describe("generated exports", () => {
  it.each([
    { users: 3000, days: 200, seed: 1, margin: 1 },
    { users: 300, days: 40, seed: 7, margin: 0.35 },
    { users: 1200, days: 120, seed: 20_240_101, margin: 1 },
  ])("conform at $users users × $days days, seed $seed", async ({ users, days, seed, margin }) => {
    const raw = rawFromCsvObjects(await generatedObjects(users, days, seed));
    const result = await checkConformance(raw, { baseCurrency: "RUB", margin });
    expect(result.differences).toEqual([]);
    expect(result.marts.mart_user_profile.length).toBeGreaterThan(0);
  });
});
