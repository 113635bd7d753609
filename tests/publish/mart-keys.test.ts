import { describe, expect, it } from "vitest";
import { martKeysFromModels } from "../../src/publish/mart-keys.ts";
import { loadProject } from "../../src/transform/project.ts";

describe("martKeysFromModels", () => {
  it("takes each mart's grain from its unique tests in the SQL project", async () => {
    const project = await loadProject();
    const keys = martKeysFromModels(project.models.values());
    expect(keys.mart_rfm).toEqual(["user_id"]);
    expect(keys.mart_user_profile).toEqual(["user_id"]);
    expect(keys.mart_activity).toEqual(["grain", "period_start"]);
    expect(keys.mart_retention).toEqual(["basis", "grain", "cohort_start", "lifetime"]);
    expect(Object.keys(keys).every((name) => name.startsWith("mart_"))).toBe(true);
  });

  it("prefers the narrowest unconditional unique test", () => {
    const keys = martKeysFromModels([
      {
        name: "mart_x",
        metadata: {
          tests: [
            { kind: "unique", name: "wide", severity: "error", columns: ["a", "b"] },
            { kind: "unique", name: "filtered", severity: "error", columns: ["c"], where: "c > 0" },
            { kind: "unique", name: "narrow", severity: "warn", columns: ["a"] },
          ],
        },
      },
      {
        name: "stg_y",
        metadata: { tests: [{ kind: "unique", name: "u", severity: "error", columns: ["id"] }] },
      },
    ]);
    expect(keys).toEqual({ mart_x: ["a"] });
  });
});
