import { createReadStream, createWriteStream } from "node:fs";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";
import {
  assertUniqueColumns,
  type FileFormat,
  FileRejected,
  normalizeColumnName,
  type ReaderReject,
  type StagedText,
} from "./file-format.ts";

/** Longest record DuckDB accepts; a longer one is rejected, not fatal. */
const maxLineBytes = 64 * 1024 * 1024;

/**
 * CSV with a header row. The header is read here and every column declared
 * VARCHAR by name: DuckDB's `columns=` maps by position, so declaring the
 * file's own order is what makes the mapping by name safe.
 */
export const csvFormat: FileFormat = {
  name: "csv",
  extensions: [".csv", ".csv.gz"],
  async stage(
    session: SqlSession,
    compressedOrPlain: string,
    table: string,
    scratchDir: string,
  ): Promise<StagedText> {
    const path = compressedOrPlain.endsWith(".gz")
      ? await gunzipFile(compressedOrPlain, scratchDir)
      : compressedOrPlain;
    const columns = parseHeader(await readFirstLine(path)).map(normalizeColumnName);
    assertUniqueColumns(columns);
    const declared = columns.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`).join(", ");
    await session.run("drop table if exists reject_errors; drop table if exists reject_scans");
    try {
      // rowid of the new table is the record's position: the reader runs single-threaded.
      await session.run(
        `create or replace temp table csv_records as
         select * from read_csv(${quoteLiteral(path)},
           header = true, auto_detect = false, columns = {${declared}},
           delim = ',', quote = '"', escape = '"', strict_mode = true,
           store_rejects = true, rejects_table = 'reject_errors', rejects_scan = 'reject_scans',
           max_line_size = ${maxLineBytes}, parallel = false)`,
      );
    } catch (error) {
      throw new FileRejected(`cannot be read as CSV: ${firstLine(error)}`);
    }
    await session.run(
      `create or replace temp table ${table} as select rowid + 1 as _file_row, * from csv_records; drop table csv_records`,
    );
    const rejects = await session.all<{
      line: number;
      error_type: string;
      error_message: string;
      csv_line: string;
    }>("select line, error_type, error_message, csv_line from reject_errors order by line");
    return {
      columns,
      rejects: rejects.map(
        (row): ReaderReject => ({
          fileRow: row.line,
          reason: `${row.error_type.toLowerCase()}: ${row.error_message}`,
          rawValue: row.csv_line?.slice(0, 1000) ?? null,
        }),
      ),
    };
  },
};

/**
 * Decompresses with Node's zlib, which fails on a truncated stream; DuckDB's
 * own gzip reader was seen to load the part before the cut without an error.
 */
async function gunzipFile(path: string, scratchDir: string): Promise<string> {
  const target = join(scratchDir, `${basename(path, ".gz")}-${process.pid}-${Date.now()}`);
  try {
    await pipeline(createReadStream(path), createGunzip(), createWriteStream(target));
  } catch (error) {
    throw new FileRejected(`cannot be read: gzip ${firstLine(error)}`);
  }
  return target;
}

/** Reads up to the first line break; strips a UTF-8 BOM. */
async function readFirstLine(path: string): Promise<string> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  let text = "";
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString("utf8");
      if (/[\r\n]/.test(text) || text.length > 1024 * 1024) break;
    }
  } catch (error) {
    throw new FileRejected(`cannot be read: ${firstLine(error)}`);
  } finally {
    stream.destroy();
  }
  text = text.replace(/^\uFEFF/, "");
  const end = text.search(/\r?\n|\r/);
  const line = end === -1 ? text : text.slice(0, end);
  if (line.trim() === "") throw new FileRejected("is empty: no header row");
  return line;
}

/** Splits one CSV record (no embedded line breaks in header names). */
export function parseHeader(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      fields.push(field);
      field = "";
    } else field += char;
  }
  if (quoted) throw new FileRejected("header row has an unterminated quote");
  fields.push(field);
  return fields;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0] ?? "";
}
