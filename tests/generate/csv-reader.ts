/**
 * A small RFC 4180 reader for the tests, written independently of the
 * generator's writer: quoted fields, doubled quotes, commas and line breaks
 * inside quotes. Returns the header and the data rows.
 */
export function readCsv(text: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let position = 0;
  while (position < text.length) {
    const char = text[position] as string;
    if (quoted) {
      if (char === '"' && text[position + 1] === '"') {
        field += '"';
        position += 2;
        continue;
      }
      if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
      position++;
      continue;
    }
    if (char === '"' && field === "") {
      quoted = true;
    } else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else if (char === '"') {
      throw new Error(`stray quote at offset ${position}`);
    } else {
      field += char;
    }
    position++;
  }
  if (quoted) throw new Error("unterminated quoted field");
  if (field !== "" || record.length > 0) {
    throw new Error("the last line has no line break");
  }
  const [header, ...rows] = records;
  if (!header) throw new Error("no header row");
  return { header, rows };
}
