import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { ObjectStore } from "./object-store.ts";
import { assertInside } from "./safe-path.ts";

/** Somewhere to write objects by relative key: a bucket prefix or a local folder. */
export interface KeySink {
  write(key: string, body: Buffer): Promise<void>;
  /** Where the objects went, for messages. */
  readonly location: string;
}

/** Writes `key` as `{prefix}/{key}` in the store. */
export function objectStoreSink(store: ObjectStore, prefix: string, location: string): KeySink {
  return {
    location,
    write: (key, body) => store.write(prefix ? `${prefix}/${key}` : key, body),
  };
}

/** Writes `key` as a file below `folder`; a key that would escape it throws. */
export function directorySink(folder: string): KeySink {
  const root = resolve(folder);
  return {
    location: root,
    async write(key, body) {
      const path = join(root, key);
      assertInside(root, path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    },
  };
}
