import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LocalFolderObjectStore } from "../../src/storage/local-folder-object-store.ts";
import { tempDir } from "../support/temp-dir.ts";

async function keys(store: LocalFolderObjectStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of store.list(prefix)) found.push(object.key);
  return found;
}

describe("LocalFolderObjectStore", () => {
  it("writes, lists in key order, reads, downloads and deletes like an object store", async () => {
    const store = new LocalFolderObjectStore(tempDir("local-store"));
    await store.write("raw/orders/b.csv", "b");
    await store.write("raw/orders/a/../x.csv", Buffer.from("x"));
    await store.write("raw/visits/v.csv", Readable.from([Buffer.from("v1"), Buffer.from("v2")]));
    expect(await keys(store, "raw/orders/")).toEqual(["raw/orders/a/../x.csv", "raw/orders/b.csv"]);
    expect((await store.read("raw/visits/v.csv")).toString()).toBe("v1v2");
    const head = await store.head("raw/orders/b.csv");
    expect(head).toMatchObject({ key: "raw/orders/b.csv", size: 1 });
    // The ETag of a single-part upload: the MD5 of the body.
    expect(head?.etag).toBe("92eb5ffee6ae2fec3ad71c777531578f");
    const destination = join(tempDir("local-store-download"), "b.csv");
    await store.download(head as NonNullable<typeof head>, destination);
    expect(readFileSync(destination, "utf8")).toBe("b");
    await store.delete(["raw/orders/b.csv", "raw/orders/never-there.csv"]);
    expect(await store.head("raw/orders/b.csv")).toBeUndefined();
    await expect(store.read("raw/orders/b.csv")).rejects.toThrow(/no such object/);
  });

  it("refuses to download a version that was replaced since it was listed", async () => {
    const store = new LocalFolderObjectStore(tempDir("local-store"));
    await store.write("k", "one");
    const listed = await store.head("k");
    await store.write("k", "two");
    await expect(
      store.download(listed as NonNullable<typeof listed>, join(tempDir("dl"), "k")),
    ).rejects.toThrow(/changed/);
  });
});
