import { createReadStream, createWriteStream } from "node:fs";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { CsvDialect } from "../sources/source-settings.ts";
import { quoteIdentifier, quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";
import {
  type CsvDelimiters,
  type CsvRecordCount,
  CsvRecordCounter,
  countCsvRecords,
  readChunks,
} from "./csv-records.ts";
import {
  assertUsableColumns,
  type FileFormat,
  FileRejected,
  normalizeColumnName,
  type RowTyping,
  type StagedFile,
  type StagingInput,
  stageEach,
} from "./file-format.ts";
import { readerRecordBytes } from "./reader-record-bytes.ts";

/** CSV files read at once in Node (header and record count) while a batch is staged. */
const inspectConcurrency = 4;

/** Longest record DuckDB accepts (less under a tight memory limit); a longer one is rejected, not fatal. */
const maxLineBytes = 64 * 1024 * 1024;

interface CsvFile extends StagingInput {
  readonly plainPath: string;
  readonly columns: readonly string[];
  /** Data records counted in Node, to hold DuckDB's loaded + rejected against. */
  readonly records: number;
  /** Size of the plain (decompressed) file. */
  readonly bytes: number;
}

/**
 * CSV with a header row. Headers are read here and every column declared
 * VARCHAR by name: DuckDB's `columns=` maps by position, so files are read
 * together only when their headers are identical, declaring that order.
 */
export const csvFormat: FileFormat = {
  name: "csv",
  extensions: [".csv", ".csv.gz"],
  async stage(session, files, { scratchDir, csv, typing }) {
    const prepared: CsvFile[] = [];
    // A few files at a time, so that one gunzips (on zlib's threads) while another is counted.
    const staged = await stageEach(
      files,
      async (file): Promise<StagedFile> => {
        const plainPath = file.path.endsWith(".gz")
          ? await gunzipFile(
              file.path,
              join(scratchDir, `${file.fileId}-${basename(file.path, ".gz")}`),
            )
          : file.path;
        const { columns, dataRecords, unclosedQuote, bytes } = await inspectCsvFile(plainPath, csv);
        if (unclosedQuote) {
          // DuckDB reads the rest of the file as one value and, reading several
          // files at once, was seen to drop even that reject: the rows after it vanish.
          throw new FileRejected(
            `cannot be read as CSV: the quoted field opened on line ${unclosedQuote.line} (row ${unclosedQuote.record}) is never closed`,
          );
        }
        prepared.push({ ...file, plainPath, columns, records: dataRecords, bytes });
        return { ok: true, columns, rejects: [] };
      },
      inspectConcurrency,
    );
    // Batch order, whatever order the reads finished in: file_index follows it.
    prepared.sort((a, b) => a.fileId - b.fileId);
    const groups = new Map<string, CsvFile[]>();
    for (const file of prepared) {
      const signature = file.columns.join("\u0000");
      const group = groups.get(signature);
      if (group) group.push(file);
      else groups.set(signature, [file]);
    }
    const relations: string[] = [];
    const columns = new Set<string>();
    let tables = 0;
    const read = async (group: readonly CsvFile[]) => {
      tables += 1;
      relations.push(await readGroup(session, group, `staged_csv_${tables}`, staged, csv, typing));
      // Only columns of files that were read: the loader selects each of them.
      for (const name of group[0]?.columns ?? []) columns.add(name);
    };
    const fail = (file: CsvFile, error: unknown) =>
      staged.set(file.fileId, {
        ok: false,
        reason: typing.misfit(error) ?? `cannot be read as CSV: ${firstLine(error)}`,
      });
    for (const group of groups.values()) {
      try {
        await read(group);
      } catch (error) {
        if (group.length === 1) fail(group[0] as CsvFile, error);
        // One bad file must not fail its neighbours: read them one by one.
        else for (const file of group) await read([file]).catch((single) => fail(file, single));
      }
    }
    const relation =
      relations.length === 0 ? null : relations.map((r) => `(${r})`).join("\nunion all by name\n");
    return { files: staged, relation, columns: [...columns] };
  },
};

/**
 * Reads files with one header into `table`, typed as they are read; returns
 * the SELECT that numbers their rows. Columns are declared under positional
 * names (`__c0`, …) and renamed before typing, so a header such as `rowid`
 * or `file_index` cannot shadow what the numbering relies on.
 */
async function readGroup(
  session: SqlSession,
  group: readonly CsvFile[],
  table: string,
  staged: Map<number, StagedFile>,
  csv: CsvDialect,
  typing: RowTyping,
): Promise<string> {
  const columns = group[0]?.columns ?? [];
  const internal = (index: number) => quoteIdentifier(`__c${index}`);
  const declared = columns.map((_, index) => `'__c${index}': 'VARCHAR'`).join(", ");
  const paths = group.map((file) => quoteLiteral(file.plainPath)).join(", ");
  const largest = Math.max(0, ...group.map((file) => file.bytes));
  const recordBytes = await readerRecordBytes(session, largest, maxLineBytes, 1);
  await session.run("drop table if exists reject_errors; drop table if exists reject_scans");
  const named = columns
    .map((name, index) => `${internal(index)} as ${quoteIdentifier(name)}`)
    .join(", ");
  const read = `(select file_index as __file_index${named ? `, ${named}` : ""}
     from read_csv([${paths}],
       header = true, auto_detect = false, columns = {${declared}},
       delim = ${quoteLiteral(csv.delimiter)}, quote = ${quoteLiteral(csv.quote)}, escape = ${quoteLiteral(csv.quote)},
       strict_mode = true, hive_partitioning = false,
       store_rejects = true, rejects_table = 'reject_errors', rejects_scan = 'reject_scans',
       max_line_size = ${recordBytes}, buffer_size = ${recordBytes}))`;
  await session.run(
    `create or replace temp table ${table} as ${typing.select(columns, read, ["__file_index"])}`,
  );
  const rejects = await session.all<{
    file_id: number;
    line: number;
    line_byte_position: number;
    error_type: string;
    error_message: string;
    csv_line: string | null;
  }>(
    "select file_id, line, line_byte_position, error_type, error_message, csv_line from reject_errors order by file_id, line",
  );
  // Insertion order is preserved, so each file's records are contiguous in
  // rowid order: the position in the file is rowid − the file's first rowid.
  const loaded = new Map(
    (
      await session.all<{ file_index: number; rows: number; first: number; last: number }>(
        `select __file_index as file_index, count(*) as rows, min(rowid) as first, max(rowid) as last
         from ${table} group by 1`,
      )
    ).map((row) => [row.file_index, row]),
  );
  const shifts: string[] = [];
  for (const [index, file] of group.entries()) {
    // DuckDB reports a row once per problem (a short row: once per missing column).
    const byLine = new Map<number, (typeof rejects)[number]>();
    for (const row of rejects) {
      if (row.file_id === index && !byLine.has(row.line)) byLine.set(row.line, row);
    }
    const rows = loaded.get(index);
    if (rows && rows.last - rows.first + 1 !== rows.rows) {
      // Not seen; the numbering below would be wrong for such a file.
      staged.set(file.fileId, {
        ok: false,
        reason: "cannot be read as CSV: the reader returned its rows out of file order",
      });
      continue;
    }
    const accounted = (rows?.rows ?? 0) + byLine.size;
    if (accounted !== file.records) {
      staged.set(file.fileId, {
        ok: false,
        reason: `cannot be read as CSV: the file holds ${file.records} rows but the reader returned ${accounted} (loaded or rejected)`,
      });
      continue;
    }
    const rejected = [...byLine.values()];
    // The record number comes from where the record starts, counted in Node:
    // DuckDB's line numbers were seen to drift after a malformed record.
    const { recordsAt } =
      rejected.length === 0
        ? { recordsAt: [] }
        : await countCsvRecords(
            file.plainPath,
            file.columns.length,
            csv,
            rejected.map((row) => Number(row.line_byte_position) - 1),
          );
    const numbers = [...new Set(recordsAt)].sort((a, b) => a - b);
    if (numbers.length !== rejected.length || numbers.some((n) => n < 1 || n > file.records)) {
      staged.set(file.fileId, {
        ok: false,
        reason: `cannot be read as CSV: the reader's ${rejected.length} rejected records could not be placed in the file`,
      });
      continue;
    }
    // Loaded row i is record i + (rejected records before it): the j-th reject
    // (1-based) at record r shifts every loaded row after index r − j by j.
    for (const [j, record] of numbers.entries())
      shifts.push(`(${index}, ${record - (j + 1)}, ${j + 1})`);
    staged.set(file.fileId, {
      ok: true,
      columns: file.columns,
      rows: rows?.rows ?? 0,
      rejects: rejected.map((row, j) => ({
        fileRow: recordsAt[j] as number,
        reason: `${row.error_type.toLowerCase()}: ${row.error_message}`,
        rawValue: row.csv_line?.slice(0, 1000) ?? null,
      })),
    });
  }
  const firsts = group.flatMap((file, index) => {
    const rows = loaded.get(index);
    return rows ? [`(${index}, ${file.fileId}, ${rows.first})`] : [];
  });
  // The first rowids are known: a join on a few literal rows, not an aggregate per use.
  // With no rows at all the relation still has the files' columns (an extra column of a
  // header-only file is added to the raw table all the same).
  const numbered =
    firsts.length === 0
      ? `select null::integer as _file_id, null::bigint as __loaded_row, r.* from ${table} r where false`
      : `select f.file_id as _file_id, r.rowid - f.first_rowid + 1 as __loaded_row, r.*
    from ${table} r
    join (values ${firsts.join(", ")}) as f(file_index, file_id, first_rowid) on f.file_index = r.__file_index`;
  if (shifts.length === 0)
    return `select * exclude (__loaded_row, __file_index), __loaded_row as _file_row from (${numbered})`;
  // Equal thresholds (consecutive rejected records): the largest shift wins.
  return `select n.* exclude (__loaded_row, __file_index), n.__loaded_row + coalesce(s.shift, 0) as _file_row
    from (${numbered}) n
    asof left join (
      select file_index, threshold, max(shift) as shift
      from (values ${shifts.join(", ")}) as t(file_index, threshold, shift)
      group by all
    ) s on n.__file_index = s.file_index and n.__loaded_row > s.threshold`;
}

/**
 * Decompresses to `target` with Node's zlib, which fails on a truncated
 * stream; DuckDB's own gzip reader was seen to load the part before the cut
 * without an error. The caller names the target after the file's place in
 * the batch: files of a batch often share a base name (`part-000.csv.gz`).
 */
async function gunzipFile(path: string, target: string): Promise<string> {
  try {
    await pipeline(createReadStream(path), createGunzip(), createWriteStream(target));
  } catch (error) {
    throw new FileRejected(`cannot be read: gzip ${firstLine(error)}`);
  }
  return target;
}

/**
 * Reads a CSV file once: its header (the first line, UTF-8 BOM stripped,
 * parsed into normalised names) and the count of its records after it.
 */
async function inspectCsvFile(
  path: string,
  csv: CsvDialect,
): Promise<{ columns: string[]; bytes: number } & CsvRecordCount> {
  let columns: string[] | undefined;
  let counter: CsvRecordCounter | undefined;
  let bytes = 0;
  try {
    ({ bytes } = await readChunks(path, (chunk) => {
      if (counter === undefined) {
        // The header ends at the first line break of the first chunk (1 MiB: no header is longer).
        const lf = chunk.indexOf(0x0a);
        const cr = chunk.indexOf(0x0d);
        const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
        const line = chunk
          .subarray(0, end === -1 ? chunk.length : end)
          .toString("utf8")
          .replace(/^\uFEFF/, "");
        if (line.trim() === "") throw new FileRejected("is empty: no header row");
        columns = parseHeader(line, csv).map(normalizeColumnName);
        assertUsableColumns(columns);
        counter = new CsvRecordCounter(columns.length, csv);
      }
      counter.scan(chunk);
    }));
  } catch (error) {
    if (error instanceof FileRejected) throw error;
    throw new FileRejected(`cannot be read: ${firstLine(error)}`);
  }
  if (counter === undefined || columns === undefined)
    throw new FileRejected("is empty: no header row");
  return { columns, bytes, ...counter.finish() };
}

/** Splits one CSV record (no embedded line breaks in header names). */
export function parseHeader(
  line: string,
  csv: CsvDelimiters = { delimiter: ",", quote: '"' },
): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted) {
      if (char === csv.quote && line[i + 1] === csv.quote) {
        field += csv.quote;
        i += 1;
      } else if (char === csv.quote) quoted = false;
      else field += char;
    } else if (char === csv.quote) quoted = true;
    else if (char === csv.delimiter) {
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
