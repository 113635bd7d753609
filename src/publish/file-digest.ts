import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** Size and checksums of a local file. */
export interface FileDigest {
  readonly bytes: number;
  /** Lower-case hex; published in the manifest. */
  readonly sha256: string;
  /** Lower-case hex; compared with the ETag of a single-part upload. */
  readonly md5: string;
}

/** Reads a file once, computing its SHA-256 and MD5 together. */
export async function digestFile(path: string): Promise<FileDigest> {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    sha256.update(buffer);
    md5.update(buffer);
  }
  return { bytes, sha256: sha256.digest("hex"), md5: md5.digest("hex") };
}
