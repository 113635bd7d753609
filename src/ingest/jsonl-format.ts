import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { quoteLiteral } from "../warehouse/warehouse.ts";
import {
  assertUsableColumns,
  type FileFormat,
  FileRejected,
  normalizeColumnName,
  type ReaderReject,
  type StagedFile,
  type StagingInput,
  stageEach,
} from "./file-format.ts";
import { readerRecordBytes } from "./reader-record-bytes.ts";

/** Where the typed rows of a batch go. */
const table = "staged_jsonl";

/** Longest JSON line DuckDB reads back (less under a tight memory limit). */
const maxObjectBytes = 256 * 1024 * 1024;

/**
 * JSON Lines. DuckDB's read_json has no rejects table and its
 * `ignore_errors` yields all-NULL rows, so every line is validated here;
 * valid lines are rewritten with all values as strings (numbers keep their
 * exact text: ids beyond 2^53 would not survive JSON.parse) and then read
 * by DuckDB with every column declared VARCHAR.
 */
export const jsonlFormat: FileFormat = {
  name: "jsonl",
  extensions: [".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"],
  async stage(session, files, { scratchDir, typing }) {
    const cleanPaths: string[] = [];
    const union = new Set<string>();
    const staged = await stageEach(files, async (file): Promise<StagedFile> => {
      const cleanPath = join(scratchDir, `clean-${file.fileId}.jsonl`);
      const { columns, rejects, rows } = await rewriteLines(file, cleanPath);
      cleanPaths.push(cleanPath);
      for (const column of columns) union.add(column);
      return { ok: true, columns, rejects, rows };
    });
    const columns = [...union];
    if (cleanPaths.length === 0) return { files: staged, relation: null, columns };
    const declared = [
      "'_file_id': 'INTEGER'",
      "'_file_row': 'BIGINT'",
      ...columns.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`),
    ];
    const sizes = await Promise.all(cleanPaths.map(async (path) => (await stat(path)).size));
    // DuckDB reserves twice the maximum object size per buffer against memory_limit.
    const objectBytes = await readerRecordBytes(session, Math.max(0, ...sizes), maxObjectBytes, 2);
    const read = `(select * from read_json([${cleanPaths.map(quoteLiteral).join(", ")}],
      format = 'newline_delimited', hive_partitioning = false, columns = {${declared.join(", ")}}, maximum_object_size = ${objectBytes}))`;
    await session.run(
      `create or replace temp table ${table} as ${typing.select(columns, read, ["_file_id", "_file_row"])}`,
    );
    return { files: staged, relation: `select * from ${table}`, columns };
  },
};

async function rewriteLines(
  file: StagingInput,
  cleanPath: string,
): Promise<{ columns: string[]; rejects: ReaderReject[]; rows: number }> {
  const raw = createReadStream(file.path);
  const gunzip = file.path.endsWith(".gz") ? createGunzip() : undefined;
  // pipe() does not forward errors: a truncated gzip must fail the read.
  gunzip?.on("error", (error) => raw.destroy(error));
  const input = gunzip ? raw.pipe(gunzip) : raw;
  const output = createWriteStream(cleanPath);
  const columns = new Map<string, true>();
  const rejects: ReaderReject[] = [];
  let lineNumber = 0;
  // SPEC §1.1: records are numbered without blank lines, rejected ones included.
  let recordNumber = 0;
  try {
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      lineNumber += 1;
      const text = lineNumber === 1 ? line.replace(/^\uFEFF/, "") : line;
      if (text.trim() === "") continue;
      recordNumber += 1;
      const parsed = parseLine(text);
      if (typeof parsed === "string") {
        rejects.push({ fileRow: recordNumber, reason: parsed, rawValue: text.slice(0, 1000) });
        continue;
      }
      const values = new Map<string, string | null>();
      let clash: string | undefined;
      for (const [key, value] of Object.entries(parsed)) {
        const name = normalizeColumnName(key);
        if (values.has(name)) clash ??= key;
        values.set(name, toText(value));
      }
      if (clash !== undefined) {
        // Two keys naming one column (`user_id`, `User_ID`): keeping either would lose the other.
        const reason = `key ${JSON.stringify(clash)} names the same column as another key`;
        rejects.push({ fileRow: recordNumber, reason, rawValue: text.slice(0, 1000) });
        continue;
      }
      const row: Record<string, string | number | null> = {
        _file_id: file.fileId,
        _file_row: recordNumber,
      };
      for (const [name, value] of values) {
        columns.set(name, true);
        row[name] = value;
      }
      if (!output.write(`${JSON.stringify(row)}\n`)) await once(output, "drain");
    }
  } catch (error) {
    throw new FileRejected(`cannot be read: ${(error as Error).message}`);
  } finally {
    output.end();
    await once(output, "close");
  }
  if (lineNumber === 0) throw new FileRejected("is empty: no JSON lines");
  assertUsableColumns([...columns.keys()]);
  return { columns: [...columns.keys()], rejects, rows: recordNumber - rejects.length };
}

/** The object on this line, or the reason it is not one. */
function parseLine(text: string): Record<string, unknown> | string {
  if (text.includes("\uFFFD")) return "invalid UTF-8";
  let value: unknown;
  try {
    value = JSON.parse(quoteNumbers(text));
  } catch (error) {
    return `invalid JSON: ${(error as Error).message}`;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return "not a JSON object";
  return value as Record<string, unknown>;
}

/** JSON null and "" are both missing; nested values keep their JSON text. */
function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * Wraps every number literal outside strings in quotes, so JSON.parse keeps
 * its exact digits. On invalid JSON the result stays invalid.
 */
export function quoteNumbers(text: string): string {
  let out = "";
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 92 /* \ */) i += 1;
      else if (char === 34 /* " */) inString = false;
      continue;
    }
    if (char === 34) {
      inString = true;
    } else if (char === 45 /* - */ || (char >= 48 && char <= 57)) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end] as string)) end += 1;
      out += `${text.slice(start, i)}"${text.slice(i, end)}"`;
      start = end;
      i = end - 1;
    }
  }
  return out + text.slice(start);
}
