import { csvFormat } from "./csv-format.ts";
import type { FileFormat } from "./file-format.ts";
import { jsonlFormat } from "./jsonl-format.ts";
import { parquetFormat } from "./parquet-format.ts";

/** Every supported input format. */
export const fileFormats: readonly FileFormat[] = [csvFormat, jsonlFormat, parquetFormat];

/** The format whose extension ends `key`, or undefined for an unsupported object. */
export function formatForKey(key: string): FileFormat | undefined {
  const lower = key.toLowerCase();
  return fileFormats.find((format) =>
    format.extensions.some((extension) => lower.endsWith(extension)),
  );
}
