import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { planLoads } from "../../src/ingest/ingest.ts";
import { resolveSources } from "../../src/sources/resolve-sources.ts";
import { LocalFolderObjectStore } from "../../src/storage/local-folder-object-store.ts";
import type { ObjectInfo } from "../../src/storage/object-store.ts";
import { tempDir } from "../support/temp-dir.ts";
import { fixtureWarehouse } from "../support/warehouse.ts";

/** A folder store whose listings take a while, record when they start and end, and may fail. */
class SlowListingStore extends LocalFolderObjectStore {
  readonly events: string[] = [];
  constructor(
    root: string,
    private readonly failures: ReadonlyMap<string, { readonly afterMs: number }> = new Map(),
  ) {
    super(root);
  }
  override async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.events.push(`start ${prefix}`);
    const failure = this.failures.get(prefix);
    await sleep(failure?.afterMs ?? 20);
    if (failure) throw new Error(`listing ${prefix} failed`);
    yield* super.list(prefix);
    this.events.push(`end ${prefix}`);
  }
}

const sources = resolveSources({ rawPrefix: "raw", sources: {} });

describe("planLoads", () => {
  it("lists every prefix at once and plans the objects in source, then key, order", async () => {
    const store = new SlowListingStore(join(tempDir("plan-loads"), "bucket"));
    await store.write("raw/orders/dt=2024-01-02/part-000.csv", "order_id\n1\n");
    await store.write("raw/visits/dt=2024-01-02/part-000.csv", "user_id\n1\n");
    await store.write("raw/visits/dt=2024-01-01/part-000.csv", "user_id\n1\n");
    const warehouse = await fixtureWarehouse();
    const plan = await planLoads({ warehouse, store, sources });

    const listed = sources.filter((source) => source.listed).length;
    // No listing ended before every one had started.
    expect(store.events.slice(0, listed).every((event) => event.startsWith("start "))).toBe(true);
    expect(store.events.filter((event) => event.startsWith("end "))).toHaveLength(listed);
    expect(plan.listed).toBe(3);
    expect(plan.toLoad.map((item) => item.object.key)).toEqual([
      "raw/orders/dt=2024-01-02/part-000.csv",
      "raw/visits/dt=2024-01-01/part-000.csv",
      "raw/visits/dt=2024-01-02/part-000.csv",
    ]);
  });

  it("names the first failing source in source order, whichever failed first", async () => {
    const [first, second] = sources.filter((source) => source.listed);
    const store = new SlowListingStore(
      join(tempDir("plan-loads"), "bucket"),
      new Map([
        // The first source fails after the second: its error is still the one reported.
        [`${first?.prefix}/`, { afterMs: 80 }],
        [`${second?.prefix}/`, { afterMs: 0 }],
      ]),
    );
    const warehouse = await fixtureWarehouse();
    await expect(planLoads({ warehouse, store, sources })).rejects.toThrow(
      `listing ${first?.prefix}/ failed`,
    );
  });
});
