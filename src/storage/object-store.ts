import type { Readable } from "node:stream";

/** What a listing says of one object. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Without the surrounding quotes S3 puts on it. */
  readonly etag: string;
  readonly lastModified: Date;
}

/** Body of an object to write. */
export type ObjectBody = string | Uint8Array | Readable;

/**
 * The part of an object store duckmart needs. The S3 implementation is the
 * real one; `LocalFolderObjectStore` serves tests of logic that needs no S3
 * semantics. The seam keeps S3 details out of ingest and publish.
 */
export interface ObjectStore {
  /** Every object whose key starts with `prefix`, following pagination to the end. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Metadata of one object, or undefined when there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Streams an object into a local file and checks it arrived whole (size,
   * and the MD5 where the ETag is one); a short or corrupt body throws.
   */
  download(object: ObjectInfo, destination: string): Promise<void>;
  /** Reads a small object whole. */
  read(key: string): Promise<Buffer>;
  /** Writes an object; large bodies go up as a multipart upload. */
  write(key: string, body: ObjectBody, contentType?: string): Promise<void>;
  /** Deletes objects; a key that is already gone is not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Releases connections so the process can exit; the store is not used afterwards. */
  close(): void;
}

/** Strips the quotes that S3 puts around ETags. */
export function normalizeEtag(etag: string | undefined): string {
  return (etag ?? "").replace(/^W\//, "").replace(/^"|"$/g, "");
}
