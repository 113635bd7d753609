import { join } from "node:path";
import { expect, it } from "vitest";
import { publishRun } from "../../src/publish/publish-run.ts";
import { LocalFolderObjectStore } from "../../src/storage/local-folder-object-store.ts";
import type { ObjectInfo } from "../../src/storage/object-store.ts";
import { tempDir } from "../support/temp-dir.ts";
import { fixtureWarehouse } from "../support/warehouse.ts";
import { createSpecMarts, specMartNames } from "./fixtures/spec-marts.ts";

/** Records the prefix of every listing. */
class ListingStore extends LocalFolderObjectStore {
  readonly listed: string[] = [];
  override list(prefix: string): AsyncIterable<ObjectInfo> {
    this.listed.push(prefix);
    return super.list(prefix);
  }
}

it("clears leftovers of an earlier attempt by listing only this run's mart folders", async () => {
  const root = tempDir("publish-listing");
  const store = new ListingStore(join(root, "bucket"));
  const warehouse = await fixtureWarehouse();
  try {
    await createSpecMarts(warehouse);
    const settings = { publishPrefix: "marts", keepRuns: 3, workDir: join(root, "work") };
    await publishRun({ warehouse, store, settings, runId: "run-1", dataAsOf: null });
    // An earlier attempt of run-2 died after one upload.
    const leftover = "marts/mart_rfm/run_id=run-2/part-007.parquet";
    await store.write(leftover, "half a file");
    store.listed.length = 0;

    await publishRun({ warehouse, store, settings, runId: "run-2", dataAsOf: null });
    expect(await store.head(leftover)).toBeUndefined();
    // Everything published is listed once, by housekeeping after the manifest.
    expect(store.listed.filter((prefix) => prefix === "marts/")).toHaveLength(1);
    expect(store.listed).toEqual(
      expect.arrayContaining(specMartNames.map((mart) => `marts/${mart}/run_id=run-2/`)),
    );
  } finally {
    warehouse.close();
  }
});
