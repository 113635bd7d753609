import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { StorageError } from "../util/errors.ts";
import type { ObjectBody, ObjectInfo, ObjectStore } from "./object-store.ts";

/** What is kept beside each object's bytes. */
interface StoredMeta {
  readonly key: string;
  readonly etag: string;
  readonly lastModified: string;
}

/**
 * ObjectStore over a local folder, for tests of logic that does not need S3
 * semantics (no server, no network). Keys may hold any characters: each
 * object is stored under the SHA-256 of its key, with its key, ETag (the MD5
 * of the body, as S3 gives for a single-part upload) and write time beside it.
 * Listing is in key order, like S3's.
 *
 * @example
 * const store = new LocalFolderObjectStore(tempFolder);
 * await store.write("raw/orders/2024-01-01.csv", "order_id,…\n");
 */
export class LocalFolderObjectStore implements ObjectStore {
  readonly folder: string;

  constructor(folder: string) {
    this.folder = folder;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const found: ObjectInfo[] = [];
    for (const name of await this.#names()) {
      if (!name.endsWith(".json")) continue;
      const meta = await this.#readMeta(name.slice(0, -".json".length));
      if (meta === undefined || !meta.key.startsWith(prefix)) continue;
      found.push(await this.#info(meta));
    }
    // S3 lists keys in the order of their UTF-8 bytes.
    found.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    yield* found;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const meta = await this.#readMeta(digest(key));
    return meta === undefined ? undefined : this.#info(meta);
  }

  async download(object: ObjectInfo, destination: string): Promise<void> {
    const current = await this.head(object.key);
    if (current === undefined || current.etag !== object.etag) {
      throw new StorageError(`download ${object.key}: the object changed or is gone`);
    }
    await copyFile(this.#bodyPath(object.key), destination);
  }

  async read(key: string): Promise<Buffer> {
    try {
      return await readFile(this.#bodyPath(key));
    } catch (error) {
      throw new StorageError(`read ${key} from ${this.folder} failed: no such object`, {
        cause: error,
      });
    }
  }

  async write(key: string, body: ObjectBody, _contentType?: string): Promise<void> {
    const bytes =
      body instanceof Readable
        ? Buffer.concat(await body.toArray())
        : typeof body === "string"
          ? Buffer.from(body)
          : Buffer.from(body);
    await mkdir(this.folder, { recursive: true });
    const id = digest(key);
    const meta: StoredMeta = {
      key,
      etag: createHash("md5").update(bytes).digest("hex"),
      lastModified: new Date().toISOString(),
    };
    // Body first, then its metadata: an object is listed only once it is whole.
    await writeAtomically(join(this.folder, `${id}.bin`), bytes);
    await writeAtomically(join(this.folder, `${id}.json`), JSON.stringify(meta));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const id = digest(key);
      await rm(join(this.folder, `${id}.json`), { force: true });
      await rm(join(this.folder, `${id}.bin`), { force: true });
    }
  }

  /** Nothing to release. */
  close(): void {}

  #bodyPath(key: string): string {
    return join(this.folder, `${digest(key)}.bin`);
  }

  async #names(): Promise<string[]> {
    try {
      return await readdir(this.folder);
    } catch {
      return [];
    }
  }

  async #readMeta(id: string): Promise<StoredMeta | undefined> {
    try {
      return JSON.parse(await readFile(join(this.folder, `${id}.json`), "utf8")) as StoredMeta;
    } catch {
      return undefined;
    }
  }

  async #info(meta: StoredMeta): Promise<ObjectInfo> {
    const { size } = await stat(this.#bodyPath(meta.key));
    return { key: meta.key, size, etag: meta.etag, lastModified: new Date(meta.lastModified) };
  }
}

function digest(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

async function writeAtomically(path: string, bytes: Uint8Array | string): Promise<void> {
  const working = `${path}.${process.pid}.tmp`;
  await writeFile(working, bytes);
  await rename(working, path);
}
