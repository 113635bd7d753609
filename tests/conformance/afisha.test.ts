// Conformance on real exports: a slice of Yandex.Afisha orders and costs.
// No visits, so every buyer is acquired from `(unknown)`; order ids are
// numbered, so ties on created_at are broken by text order ("10" < "9").
import { describe, expect, it } from "vitest";
import { afishaRaw } from "./afisha.ts";
import { checkConformance } from "./harness.ts";

describe("Afisha orders and costs", () => {
  it("conform, base currency and margin 1", async () => {
    const result = await checkConformance(afishaRaw());
    expect(result.differences).toEqual([]);
    expect(result.floatTies).toEqual([]);
    expect(result.marts.mart_user_profile.length).toBeGreaterThan(4000);
  });

  it("conform with margin 0.4", async () => {
    const result = await checkConformance(afishaRaw(), { baseCurrency: "RUB", margin: 0.4 });
    expect(result.differences).toEqual([]);
  });
});
