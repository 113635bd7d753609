// Turns CSV export objects into raw rows as ingest would load them: columns
// by name, empty values missing, numbers cast, lineage from the object.
import type { RawData, RawRow } from "./harness.ts";
import type { SourceName } from "./reference/staging.ts";

/** Numeric columns per source (everything else loads as text). */
const numericColumns: Readonly<Record<SourceName, readonly string[]>> = {
  visits: [],
  orders: ["revenue", "tickets_count"],
  events: [],
  costs: ["costs"],
  fx_rates: ["rate"],
};

/** Records of an RFC 4180 CSV text (`"` quoting, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** One object of a source: its key, last-modified time and CSV body. */
export interface RawObject {
  readonly source: SourceName;
  readonly key: string;
  readonly modified: string;
  readonly body: string;
}

/** Raw rows of CSV objects, numbered per object from 1 like ingest's `_file_row`. */
export function rawFromCsvObjects(objects: readonly RawObject[]): RawData {
  const raw: Record<SourceName, RawRow[]> = {
    visits: [],
    orders: [],
    events: [],
    costs: [],
    fx_rates: [],
  };
  for (const object of objects) {
    const [header, ...records] = parseCsv(object.body);
    if (header === undefined) continue;
    records.forEach((record, index) => {
      const row: Record<string, string | number | null> = {
        _file_key: object.key,
        _file_row: index + 1,
        _file_modified: object.modified,
      };
      header.forEach((column, j) => {
        const text = record[j] ?? "";
        if (text === "") row[column] = null;
        else if (numericColumns[object.source].includes(column)) {
          const value = Number(text);
          if (!Number.isFinite(value)) throw new Error(`${object.key}:${index + 1} ${column}`);
          row[column] = value;
        } else row[column] = text;
      });
      raw[object.source].push(row);
    });
  }
  return raw;
}
